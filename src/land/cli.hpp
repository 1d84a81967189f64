// `riverlink land ...`: entry cases, the working-day calendar, lot replay, statements, ticks.
//   land case list [--state S]          cases with their state and parcel
//   land case show ID                   one case (JSON: document, transitions, deadlines)
//   land calendar check --filed D --trade D [--calendar FILE]
//                                       is a filing on D at least the statutory working days
//                                       before trade date D? exit 0 yes, 1 no
//   land lot replay ID                  rebuild the lot twice from its stored event log and
//                                       compare with the stored result; exit 1 on a mismatch
//   land statements CASE_ID [--out F]   members' distribution statements as CSV (UTF-8 BOM)
//   land tick                           run the deadline ticker once and print its report
// The pieces are functions over a database so that tests call them directly.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>

#include "land/calendar.hpp"
#include "store/db.hpp"

namespace CLI {
class App;
}

namespace riverlink::land::cli {

int case_list(store::Database& db, const std::optional<std::string>& state, std::ostream& out);
int case_show(store::Database& db, const std::string& id, std::ostream& out);
int calendar_check(const WorkCalendar& cal, const std::string& filed, const std::string& trade,
                   int lead_working_days, std::ostream& out);
int lot_replay(store::Database& db, const std::string& lot_id, std::ostream& out);
int statements_csv(store::Database& db, const std::string& case_id, std::ostream& out);
int tick(store::Database& db, std::ostream& out);

// Adds the `land` subcommand group; each command exits the process with its status. The
// database is the root's --db option (or RIVERLINK_DB, else sqlite:var/riverlink.db).
void add_commands(CLI::App& app);

}  // namespace riverlink::land::cli
