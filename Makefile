# riverlink: the two commands are `make run` and `make test`. Thin wrappers over scripts/ and CMake.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DB ?= sqlite:var/riverlink.db
LISTEN ?= 127.0.0.1:8080

.PHONY: run test bench build web setup clean

setup:
	@scripts/setup

build: setup
	@cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIVERLINK_SANITIZE=OFF >/dev/null
	@ninja -C build/release -j $(JOBS) riverlink

web/dist/index.html: $(shell find web/src web/index.html web/package-lock.json web/vite.config.ts -type f 2>/dev/null)
	@cd web && npm run build --silent

web: setup web/dist/index.html

# Seeds a SQLite database on first run only (when its file does not exist); later runs keep it.
run: build web
	@db='$(DB)'; if [[ $$db == sqlite:* ]] && [ ! -f "$${db#sqlite:}" ]; then \
	  build/release/riverlink --db "$$db" demo seed; fi
	@exec build/release/riverlink --db $(DB) serve --listen $(LISTEN) --web web/dist

test:
	@scripts/test

bench: build
	@scripts/bench

clean:
	rm -rf build web/dist
