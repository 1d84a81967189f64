// `riverlink transit ...` subcommands: validate, build, route, matrix.
#pragma once
#include <CLI/CLI.hpp>

namespace riverlink::transport {

// Adds the `transit` subcommand tree; each leaf runs its command from a callback and stores
// its exit code in `exit_code`.
void add_commands(CLI::App& app, int& exit_code);

}  // namespace riverlink::transport
