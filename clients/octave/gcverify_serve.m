## -*- texinfo -*-
## @deftypefn {} {} gcverify_serve (@var{cost}, @var{gradient}, @var{params})
## @deftypefnx {} {} gcverify_serve (@dots{}, "description", @var{text}, "examples", @var{m})
## Check your own Octave/MATLAB backpropagation with gcverify: answer its requests on
## stdin/stdout until it closes them (doc/workers.md). gcverify starts the script once per
## thread of its check (a config with "model": {"type": "process", "command":
## ["octave-cli", "-q", "check_mine.m"]}).
##
## @var{params} is your struct of named matrices (W1, b1, ...; up to 2 dimensions); its
## field order is the order of theta, each matrix read row by row. @var{cost}(params)
## returns J; @var{gradient}(params) returns a struct with a field W1 or dW1 for parameter
## W1 (other fields, such as dZ1, are ignored). single matrices throughout mean a float32
## model. Print nothing to stdout: end statements with a semicolon (stdout is gcverify's
## channel; use fprintf (stderr, ...) to print).
## @end deftypefn
function gcverify_serve (cost, gradient, params, varargin)
  gcverify_options ();
  desc = "";
  examples = 0;
  for k = 1:2:numel (varargin)
    switch (varargin{k})
      case "description"
        desc = varargin{k + 1};
      case "examples"
        examples = varargin{k + 1};
      otherwise
        error ("gcverify_serve: unknown option %s", varargin{k});
    endswitch
  endfor
  names = fieldnames (params);
  try
    [frame, theta, offs] = model_frame (cost, gradient, params, names, desc, examples);
  catch err
    send_frame (5, uint8 (err.message));
    rethrow (err);
  end_try_catch
  send_frame (2, frame);
  while (true)
    [type, body] = read_frame ();
    if (type == 0)
      return;
    endif
    try
      send_frame (4, answer (cost, params, names, theta, offs, body));
    catch err
      send_frame (5, uint8 (err.message));
    end_try_catch
  endwhile
endfunction

function b = u32 (v)
  b = typecast (uint32 (v), "uint8");
endfunction

function b = u64 (v)
  b = typecast (uint64 (v), "uint8");
endfunction

function b = f64 (v)
  b = typecast (double (v(:)'), "uint8");
endfunction

function g = grad_for (grads, name)
  if (isfield (grads, name))
    g = grads.(name);
  elseif (isfield (grads, ["d" name]))
    g = grads.(["d" name]);
  else
    error ("gcverify_serve: gradient: expected a field %s or d%s", name, name);
  endif
endfunction

## The layer of each block: its name's trailing number, if those never decrease.
function layers = block_layers (names)
  layers = zeros (1, numel (names));
  for b = 1:numel (names)
    t = regexp (names{b}, '(\d+)$', "tokens", "once");
    if (! isempty (t))
      layers(b) = str2double (t{1});
    endif
  endfor
  if (any (layers == 0) || any (diff (layers) < 0))
    layers = 1:numel (names);
  endif
endfunction

function [frame, theta, offs] = model_frame (cost, gradient, params, names, desc, examples)
  grads = gradient (params);
  layers = block_layers (names);
  theta = [];
  g = [];
  blocks = uint8 ([]);
  offs = zeros (1, numel (names) + 1);
  single_all = true;
  for b = 1:numel (names)
    x = params.(names{b});
    if (ndims (x) > 2)
      error ("gcverify_serve: params.%s: expected at most 2 dimensions", names{b});
    endif
    single_all = single_all && isa (x, "single");
    gx = grad_for (grads, names{b});
    if (! isequal (size (gx), size (x)))
      error ("gcverify_serve: gradient %s: expected size %s, got %s", names{b},
             mat2str (size (x)), mat2str (size (gx)));
    endif
    xt = double (x).';
    gt = double (gx).';
    theta = [theta, xt(:)'];
    g = [g, gt(:)'];
    offs(b + 1) = offs(b) + numel (x);
    blocks = [blocks, u32(numel (names{b})), uint8(names{b}), u32(layers(b)), u32(2), ...
              u64(rows (x)), u64(columns (x))];
  endfor
  j0 = double (cost (params));
  head = [u32(single_all), u32(1), u32(numel (names)), u32(0), u64(numel (theta)), ...
          u64(examples), f64(j0)];
  frame = [head, blocks, f64(theta), f64(g), u32(numel (desc)), uint8(desc)];
endfunction

function params = set_value (params, names, offs, i, v)
  b = find (offs <= i, 1, "last");
  x = params.(names{b});
  j = i - offs(b);
  c = columns (x);
  x(floor (j / c) + 1, mod (j, c) + 1) = v;
  params.(names{b}) = x;
endfunction

function out = answer (cost, params, names, theta, offs, body)
  kind = typecast (body(1:4), "uint32");
  n = double (typecast (body(5:8), "uint32"));
  out = [u32(n), u32(0)];
  if (kind == 1)
    for k = 0:n - 1
      i = double (typecast (body(9 + 16 * k:16 + 16 * k), "uint64"));
      v = typecast (body(17 + 16 * k:24 + 16 * k), "double");
      out = [out, f64(cost (set_value (params, names, offs, i, v))), u64(0)];
    endfor
  else
    t = typecast (body(9:end), "double");
    p = params;
    for i = 0:numel (t) - 1
      p = set_value (p, names, offs, i, t(i + 1));
    endfor
    out = [out, f64(cost (p)), u64(0)];
  endif
endfunction

function send_frame (type, payload)
  payload = uint8 (payload);
  fwrite (1, [uint8("GCVW"), typecast(uint16(1), "uint8"), typecast(uint16(type), "uint8"), ...
              u32(numel (payload)), payload], "uint8");
  fflush (stdout);
endfunction

function [type, body] = read_frame ()
  type = 0;
  body = uint8 ([]);
  h = fread (0, 12, "uint8=>uint8")';
  if (numel (h) < 12)
    return;
  endif
  len = double (typecast (h(9:12), "uint32"));
  body = fread (0, len, "uint8=>uint8")';
  if (numel (body) == len)
    type = double (typecast (h(7:8), "uint16"));
  endif
endfunction
