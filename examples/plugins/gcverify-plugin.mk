# gcverify-plugin.mk: build a gcverify plugin without meson. In your Makefile:
#     include gcverify-plugin.mk
#     all: libmymodel.so          # built from mymodel.c
# A plugin needs only <gcverify/plugin.h> (pkg-config --cflags gcverify); it links nothing
# of gcverify. The one-line equivalent:
#     cc -O2 -shared -fPIC $(pkg-config --cflags gcverify) -o libmymodel.so mymodel.c -lm
GCV_PLUGIN_CFLAGS ?= $(shell pkg-config --cflags gcverify)
lib%.so: %.c
	$(CC) -O2 -shared -fPIC $(GCV_PLUGIN_CFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lm
