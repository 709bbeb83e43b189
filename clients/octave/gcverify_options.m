## -*- texinfo -*-
## @deftypefn {} {@var{opts} =} gcverify_options ()
## The config's model.options as a struct, from gcverify's HELLO frame (doc/workers.md).
## Call it before gcverify_serve when the script's set-up depends on them; gcverify_serve
## reads the HELLO frame itself otherwise.
## @end deftypefn
function opts = gcverify_options ()
  global GCVERIFY_OPTIONS
  if (isempty (GCVERIFY_OPTIONS))
    h = fread (0, 12, "uint8=>uint8")';
    if (numel (h) < 12 || ! all (h(1:4) == uint8 ("GCVW"))
        || typecast (h(7:8), "uint16") != 1)
      error ("gcverify_options: expected gcverify's HELLO frame: run this script through gcverify (model.type \"process\")");
    endif
    body = fread (0, double (typecast (h(9:12), "uint32")), "uint8=>uint8")';
    olen = double (typecast (body(9:12), "uint32"));
    text = char (body(13:12 + olen));
    if (isempty (text) || strcmp (text, "{}"))
      GCVERIFY_OPTIONS = struct ();
    else
      GCVERIFY_OPTIONS = jsondecode (text);
    endif
  endif
  opts = GCVERIFY_OPTIONS;
endfunction
