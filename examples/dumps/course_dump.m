% course_dump(file, buggy): the course assignment's forward_propagation_n and
% backward_propagation_n (LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID, cross-entropy averaged
% over m) in Octave/MATLAB, run once on the assignment's gradient_check_n_test_case, and
% everything gcverify needs saved to one .mat file: the parameters W1, b1, ..., the
% gradients dW1, db1, ... (the extra dZ3, dA2, ... are saved too and ignored), X, Y and the
% cost J. buggy (default true) keeps the assignment's two planted bugs: dW2 twice and db1
% four times too large.
%
%   octave --no-gui --quiet --eval "course_dump('buggy.mat', true)"
%   gcverify examples/dumps/course.json --gradients buggy.mat
function course_dump(file, buggy)
  if nargin < 2
    buggy = true;
  end
  [X, Y, p] = test_case();
  [J, cache] = forward_propagation_n(X, Y, p);
  g = backward_propagation_n(X, Y, cache, buggy);
  W1 = p.W1; b1 = p.b1; W2 = p.W2; b2 = p.b2; W3 = p.W3; b3 = p.b3;
  dW1 = g.dW1; db1 = g.db1; dW2 = g.dW2; db2 = g.db2; dW3 = g.dW3; db3 = g.db3;
  dZ3 = g.dZ3; dA2 = g.dA2;
  save('-v7', file, 'W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'dW1', 'db1', 'dW2', 'db2', ...
       'dW3', 'db3', 'dZ3', 'dA2', 'X', 'Y', 'J');
end

function [J, cache] = forward_propagation_n(X, Y, p)
  m = columns(X);
  Z1 = p.W1 * X + p.b1;  A1 = max(Z1, 0);
  Z2 = p.W2 * A1 + p.b2; A2 = max(Z2, 0);
  Z3 = p.W3 * A2 + p.b3; A3 = 1 ./ (1 + exp(-Z3));
  J = 1 / m * sum(-log(A3) .* Y - log(1 - A3) .* (1 - Y));
  cache = struct('A1', A1, 'A2', A2, 'A3', A3, 'W2', p.W2, 'W3', p.W3);
end

function g = backward_propagation_n(X, Y, c, buggy)
  m = columns(X);
  g.dZ3 = c.A3 - Y;
  g.dW3 = 1 / m * g.dZ3 * c.A2';
  g.db3 = 1 / m * sum(g.dZ3, 2);
  g.dA2 = c.W3' * g.dZ3;
  dZ2 = g.dA2 .* (c.A2 > 0);
  g.dW2 = 1 / m * dZ2 * c.A1' * (1 + buggy);       % the course's bug: * 2
  g.db2 = 1 / m * sum(dZ2, 2);
  dZ1 = (c.W2' * dZ2) .* (c.A1 > 0);
  g.dW1 = 1 / m * dZ1 * X';
  g.db1 = (1 + 3 * buggy) / m * sum(dZ1, 2);       % the course's bug: 4 / m
end

% The assignment's gradient_check_n_test_case (NumPy's np.random.seed(1) draws).
function [X, Y, p] = test_case()
  X = [1.6243453636632417, -0.6117564136500754, -0.5281717522634557;
       -1.0729686221561705, 0.8654076293246785, -2.3015386968802827;
       1.74481176421648, -0.7612069008951028, 0.31903909605709857;
       -0.2493703754774101, 1.462107937044974, -2.060140709497654];
  Y = [1, 1, 0];
  p.W1 = [-0.3224172040135075, -0.38405435466841564, 1.1337694423354374, -1.0998912673140309;
          -0.17242820755043575, -0.8778584179213718, 0.04221374671559283, 0.5828152137158222;
          -1.1006191772129212, 1.1447237098396141, 0.9015907205927955, 0.5024943389018682;
          0.9008559492644118, -0.6837278591743331, -0.12289022551864817, -0.9357694342590688;
          -0.2678880796260159, 0.530355466738186, -0.691660751725309, -0.39675352685597737];
  p.b1 = [-0.6871727001195994; -0.8452056414987196; -0.671246130836819;
          -0.01266459891890136; -1.1173103486352778];
  p.W2 = [0.23441569781709215, 1.6598021771098705, 0.7420441605773356, ...
          -0.19183555236161492, -0.8876289640848363;
          -0.7471582937508376, 1.6924546010277466, 0.05080775477602897, ...
          -0.6369956465693534, 0.19091548466746602;
          2.100255136478842, 0.12015895248162915, 0.6172031097074192, ...
          0.3001703199558275, -0.35224984649351865];
  p.b2 = [-1.1425181980221402; -0.3493427224128775; -0.2088942333747781];
  p.W3 = [0.5866231911821976, 0.8389834138745049, 0.9311020813035573];
  p.b3 = 0.2855873252542588;
end
