// riverlink-eco: the eco commands alone (same as `riverlink gep ...`), for benchmarks and tooling.
#include <CLI/CLI.hpp>

#include "eco/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"riverlink-eco: GEP and InVEST-compatible models"};
  app.require_subcommand(1);
  auto run = riverlink::eco::cli::add_commands(app);
  CLI11_PARSE(app, argc, argv);
  int rc = run();
  return rc < 0 ? 0 : rc;
}
