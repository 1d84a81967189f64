// CLI: `riverlink ledger sim` (the simulator, for long runs) and `riverlink ledger bench`.
#pragma once

namespace CLI {
class App;
}

namespace riverlink::ledger {

// Adds the `ledger` subcommand group: ledger sim --seed S --ops N [--threads T] [--db URL]
// [--seeds a,b,c] and ledger bench [--db URL] [--batch B]. Each exits the process with 0 on
// success and 1 on a violation or failure.
void add_commands(CLI::App& app);

}  // namespace riverlink::ledger
