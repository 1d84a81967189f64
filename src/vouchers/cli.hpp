// CLI: `riverlink vouchers ...` — policy list/show, settlement runs, CSV report export,
// batch statements and the workflow ↔ ledger check. Runs as the system principal.
#pragma once

namespace CLI {
class App;
}

namespace riverlink::vouchers {

// Adds the `vouchers` subcommand group to the root app (which owns the global --db option).
// Each command exits the process: 0 on success, 1 on a refused command or failed check.
void add_commands(CLI::App& app);

}  // namespace riverlink::vouchers
