## The course assignment's functions in Octave (also MATLAB syntax), with the two planted bugs
## of backward_propagation_n (dW2 twice, db1 four times too large), checked by gcverify:
##
##     gcverify examples/own-code/octave.json        # W2 and b1 fail, factors 2 and 4 (exit 1)
##     gcverify examples/own-code/octave-fixed.json  # every block passes
1;

function [cost, cache] = forward_propagation_n (X, Y, p)
  m = columns (X);
  Z1 = p.W1 * X + p.b1;
  A1 = max (Z1, 0);
  Z2 = p.W2 * A1 + p.b2;
  A2 = max (Z2, 0);
  Z3 = p.W3 * A2 + p.b3;
  A3 = 1 ./ (1 + exp (-Z3));
  logprobs = -log (A3) .* Y - log (1 - A3) .* (1 - Y);
  cost = sum (logprobs(:)) / m;
  cache = struct ("A1", A1, "A2", A2, "A3", A3);
endfunction

function g = backward_propagation_n (X, Y, p, c, fixed)
  m = columns (X);
  dZ3 = c.A3 - Y;
  g.dW3 = dZ3 * c.A2' / m;
  g.db3 = sum (dZ3, 2) / m;
  dZ2 = (p.W3' * dZ3) .* (c.A2 > 0);
  g.dW2 = dZ2 * c.A1' / m * (2 - fixed);
  g.db2 = sum (dZ2, 2) / m;
  dZ1 = (p.W2' * dZ2) .* (c.A1 > 0);
  g.dW1 = dZ1 * X' / m;
  g.db1 = (4 - 3 * fixed) / m * sum (dZ1, 2);
  g.dZ1 = dZ1;  # fields that name no parameter are ignored
endfunction

opts = gcverify_options ();
fixed = isfield (opts, "fixed") && opts.fixed;
randn ("state", 1);
X = randn (4, 3);
Y = [1 1 0];
p = struct ("W1", randn (5, 4), "b1", randn (5, 1), "W2", randn (3, 5), "b2", randn (3, 1),
            "W3", randn (1, 3), "b3", randn (1, 1));
[~, c0] = forward_propagation_n (X, Y, p);
gcverify_serve (@(q) forward_propagation_n (X, Y, q),
                @(q) backward_propagation_n (X, Y, q, nthargout (2, @forward_propagation_n, X, Y, q), fixed),
                p, "description", "the course's 4-5-3-1 ReLU net in Octave", "examples", 3);
