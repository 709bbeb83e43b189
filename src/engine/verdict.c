/* Verdicts: the rule that turns a block's difference and numeric floor into pass, fail or
 * inconclusive (the same for a block checked parameter by parameter and for one checked
 * along random directions), and how verdicts combine into a layer's and the whole check's. */
#include <math.h>

#include "engine/internal.h"

void gcv_block_verdict(gcv_block_result *br, double threshold)
{
    /* A block fails when its difference is over the threshold and clearly over what the
     * numeric noise alone would give; over the threshold but within the noise, the check
     * could not resolve it and says so instead of failing. When that noise is so large that
     * not even a 100% error would show (power ≥ 1: e.g. double's ε on a float cost), the
     * block cannot pass either: it is inconclusive. */
    double bound = fmax(threshold, GCV_MARGIN * br->floor_difference);
    br->power = bound < 1.0 ? 2.0 * bound / (1.0 - bound) : INFINITY;
    int over = br->difference > threshold;
    int resolved = br->difference > GCV_MARGIN * br->floor_difference;
    br->within_floor = over && !resolved;
    br->status = over && resolved                                          ? GCV_FAIL
                 : br->nonfinite || (br->within_floor && br->power >= 1.0) ? GCV_INCONCLUSIVE
                                                                           : GCV_PASS;
}

gcv_verdict gcv_verdict_worse(gcv_verdict a, gcv_verdict b)
{
    if (a == GCV_FAIL || b == GCV_FAIL)
        return GCV_FAIL;
    return a == GCV_INCONCLUSIVE || b == GCV_INCONCLUSIVE ? GCV_INCONCLUSIVE : GCV_PASS;
}
