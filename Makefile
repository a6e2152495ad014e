# liangwei — two commands from a fresh Debian 12 clone: `make demo` and `make test`.
SHELL := /bin/bash
ROOT  := $(abspath .)
ENV   := source scripts/env.sh &&
PY    := .venv/bin/python
SAMPLE_SEED ?= 2026
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k overlay"`.
PYTEST_ARGS ?=

.PHONY: setup sample demo test package run translations clean help test-lts

help:
	@echo "make setup      install Debian packages, .venv, pinned pip packages, translations"
	@echo "make sample     generate the sample county under sample/"
	@echo "make demo       run the main job on the sample county (via qgis_process)"
	@echo "make test       run the whole test suite"
	@echo "make package    build dist/liangwei-<version>.zip for 'Install from ZIP' (pure-Python packages vendored)"
	@echo "make run        start QGIS desktop with the plugin enabled"
	@echo "make test-lts   deployment check of the ZIP in a Debian unstable root (QGIS 3.44 LTR; needs root)"

setup:
	@bash scripts/setup.sh

translations:
	@$(ENV) $(PY) scripts/i18n.py update
	@for ts in resources/i18n/*.ts; do lrelease -silent $$ts -qm $${ts%.ts}.qm; done

# The sample county is generated once per version of its generator (and seed); `make sample` regenerates it.
SAMPLE_KEY = $(shell sha1sum liangwei_plugin/sample_county.py | cut -c1-16)-$(SAMPLE_SEED)
SAMPLE_OK  = [ "$$(cat sample/.complete 2>/dev/null)" = "$(SAMPLE_KEY)" ]
sample: setup
	@rm -f sample/.complete
	@$(ENV) bin/qgis-process run liangwei:samplecounty -- SEED=$(SAMPLE_SEED) OUTPUT_FOLDER=$(ROOT)/sample >/dev/null
	@echo '$(SAMPLE_KEY)' > sample/.complete
	@echo "sample county written to $(ROOT)/sample"

demo: setup
	@$(SAMPLE_OK) || $(MAKE) --no-print-directory sample
	@bash scripts/demo.sh

# Lint: ruff (pyproject.toml), and Bandit at medium severity and higher on the shipped code, as plugins.qgis.org
# checks uploads.  Bandit's "nosec encountered ..., but no failed test" warnings (one per other part of an
# f-string carrying a "# nosec") are dropped from its output; findings and the exit status are kept.
.PHONY: lint
lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/bandit -q -c pyproject.toml -r liangwei_plugin processing_algs gui __init__.py --severity-level medium \
		2> >(grep -v 'but no failed test' >&2)

# The desktop and one-map tests use the real sample county (imagery epochs included).  Lint runs first.
test: setup lint
	@$(SAMPLE_OK) || $(MAKE) --no-print-directory sample
	@$(ENV) $(PY) -m pytest $(PYTEST_ARGS)

package: setup
	@bash scripts/package.sh

# The deployment test (tests/test_deployment.py runs it in Debian 13 / QGIS 3.40 as part of `make test`) in a
# Debian unstable root: QGIS 3.44 LTR, Python 3.14.  Root cached under /var/cache/liangwei/roots ($$LIANGWEI_ROOTS).
VERSION = $(shell sed -n 's/^version=//p' metadata.txt)
test-lts: setup
	@bash scripts/package.sh $(ROOT)/dist/liangwei-$(VERSION).zip
	@bash scripts/deploy_root.sh sid && bash scripts/deploy_check.sh sid $(ROOT)/dist/liangwei-$(VERSION).zip

run: setup
	@$(ENV) QT_QPA_PLATFORM= bash scripts/run_desktop.sh

clean:
	rm -rf build dist sample .pytest_cache
