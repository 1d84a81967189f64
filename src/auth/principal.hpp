// Principal: who is acting. Services take one and check authorization themselves.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace riverlink::auth {

enum class Role {
  platform_admin,
  officer,           // jurisdiction officer, scoped to division_code
  enterprise,
  provider,          // S&T service provider
  bank,
  auditor,           // read-only across the platform
  collective_agent,  // agent of a rural collective economic organisation
  bidder,
};

std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);
const std::vector<Role>& all_roles();

struct Principal {
  std::string user_id;
  std::string username;
  std::string display_name;
  Role role = Role::enterprise;
  std::string division_code;  // jurisdiction scope for officers; home division for others
  bool via_token = false;     // bearer API token rather than a browser session

  std::string actor() const { return user_id.rfind("cli:", 0) == 0 ? user_id : "user:" + user_id; }
  bool is(Role r) const { return role == r; }
};

// A system principal for CLI commands and seeding (platform_admin, actor "cli:<name>").
Principal system_principal(std::string name);

// Authorization helpers used inside services.
Status require_role(const Principal& p, std::initializer_list<Role> allowed);
// Officers may act only on divisions within their scope; platform admins anywhere.
Status require_jurisdiction(const Principal& p, std::string_view division_code);

}  // namespace riverlink::auth
