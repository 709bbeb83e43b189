# gcverify-plugin.mk: build a gcverify plugin without meson. In your Makefile:
#     include $(HOME)/.local/share/gcverify/gcverify-plugin.mk
#     all: libmymodel.so          # built from mymodel.c
# (installed as PREFIX/share/gcverify/gcverify-plugin.mk; examples/plugins/ in the sources), or
# with no Makefile at all: make -f PREFIX/share/gcverify/gcverify-plugin.mk libmymodel.so
# A plugin needs only <gcverify/plugin.h>; it links nothing of gcverify. This file finds the
# header from where it is itself, so it needs no environment variable and no pkg-config:
# ../../include from here is the installed include folder (PREFIX/share/gcverify →
# PREFIX/include, also after meson install --destdir) and, in the source tree, include/.
# The one-line equivalent, for gcverify installed into $HOME/.local:
#     cc -O2 -shared -fPIC -I$HOME/.local/include -o libmymodel.so mymodel.c -lm
# From a source tree no install is needed: make -f path/to/gcverify/examples/plugins/
# gcverify-plugin.mk finds path/to/gcverify/include the same way.
#
# Several variants of one source, one line each (NAME, SOURCE, extra flags):
#     $(eval $(call gcv_variant,mymodel_float,mymodel.c,-DREAL=float))
#     $(eval $(call gcv_variant,mymodel_omp,mymodel.c,-fopenmp -DUSE_OMP))
#     all: libmymodel_float.so libmymodel_omp.so
GCV_PLUGIN_MK_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
GCV_PLUGIN_INCLUDE ?= $(abspath $(GCV_PLUGIN_MK_DIR)../../include)
GCV_PLUGIN_CFLAGS ?= -I$(GCV_PLUGIN_INCLUDE)
ifeq ($(wildcard $(GCV_PLUGIN_INCLUDE)/gcverify/plugin.h),)
$(error gcverify-plugin.mk: expected gcverify/plugin.h in $(GCV_PLUGIN_INCLUDE), got none)
endif
lib%.so: %.c
	$(CC) -O2 -shared -fPIC $(GCV_PLUGIN_CFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lm
define gcv_variant
lib$(1).so: $(2)
	$$(CC) -O2 -shared -fPIC $$(GCV_PLUGIN_CFLAGS) $$(CFLAGS) $(3) -o $$@ $$< $$(LDFLAGS) -lm
endef
