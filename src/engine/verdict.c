/* Verdicts: the rule that turns a block's difference and numeric floor into pass, fail or
 * inconclusive (the same for a block checked parameter by parameter and for one checked
 * along random directions), a block this run did not check at all, and how verdicts combine
 * into a layer's and the whole check's. */
#include <math.h>

#include "engine/internal.h"

/* Nothing of the block was measured: every number that would describe a measurement is
 * "not computed" (NaN, null in JSON), so no report can show a difference of 0 for it. */
static void block_unchecked(gcv_block_result *br)
{
    br->status = GCV_UNCHECKED;
    br->within_floor = 0;
    br->difference = br->floor_difference = br->power = NAN;
    br->max_abs_error = br->max_rel_error = NAN;
    br->scale = br->scale_residual = br->transposed_difference = NAN;
}

void gcv_block_verdict(gcv_block_result *br, double threshold)
{
    if (br->checked == 0 && br->directions == 0) {
        block_unchecked(br);
        return;
    }
    /* A block fails when its difference is over the threshold and clearly over what the
     * numeric noise alone would give. Over the threshold but within the noise it never
     * passes: the engine escalates such a block first (escalate.c), and what is still
     * within the noise after that is inconclusive, its power saying the smallest error the
     * check could have missed. */
    double bound = fmax(threshold, GCV_MARGIN * br->floor_difference);
    br->power = bound < 1.0 ? 2.0 * bound / (1.0 - bound) : INFINITY;
    int over = br->difference > threshold;
    int resolved = br->difference > GCV_MARGIN * br->floor_difference;
    br->within_floor = over && !resolved;
    br->status = over && resolved ? GCV_FAIL : over || br->nonfinite ? GCV_INCONCLUSIVE : GCV_PASS;
}

gcv_verdict gcv_verdict_worse(gcv_verdict a, gcv_verdict b)
{
    /* fail, then inconclusive, then pass; a block not checked at all adds nothing: the
     * verdict is over what was checked (exit 0 needs every checked block to pass), and the
     * reports show each unchecked block as such. Only all-unchecked stays unchecked. */
    static const int rank[] = {[GCV_UNCHECKED] = 0, [GCV_PASS] = 1, [GCV_INCONCLUSIVE] = 2,
                               [GCV_FAIL] = 3};
    return rank[a] >= rank[b] ? a : b;
}
