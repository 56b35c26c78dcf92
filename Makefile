# make               the release archive of this machine (scripts/release → dist/)
# make install       puts dist/wsspec (built first if missing) in $(PREFIX)/bin; PREFIX=/usr/local, DESTDIR for staging
# make uninstall     removes it again
# make test-release  builds the release and checks the binary alone, outside the checkout
PREFIX ?= /usr/local
DESTDIR ?=
bindir = $(DESTDIR)$(PREFIX)/bin

.PHONY: all release install uninstall test-release

all: release

release:
	scripts/release

dist/wsspec:
	scripts/release

install: dist/wsspec
	install -d "$(bindir)"
	install -m 755 dist/wsspec "$(bindir)/wsspec"

uninstall:
	rm -f "$(bindir)/wsspec"

test-release:
	scripts/test-release
