// CLI of the eco module: `riverlink gep invest awy|carbon|sdr --args ARGS.json --workspace DIR`.
#pragma once

#include <functional>
#include <memory>

namespace CLI {
class App;
}

namespace riverlink::eco::cli {

// Adds the `gep` subcommands to the app. After parsing, call the returned function: it returns
// -1 when none of its commands was selected, otherwise the process exit code.
std::function<int()> add_commands(CLI::App& app);

}  // namespace riverlink::eco::cli
