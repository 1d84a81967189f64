#include "auth/principal.hpp"

#include <array>

#include "core/divisions.hpp"

namespace riverlink::auth {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 8> kRoles{{
    {Role::platform_admin, "platform_admin"},
    {Role::officer, "officer"},
    {Role::enterprise, "enterprise"},
    {Role::provider, "provider"},
    {Role::bank, "bank"},
    {Role::auditor, "auditor"},
    {Role::collective_agent, "collective_agent"},
    {Role::bidder, "bidder"},
}};
}  // namespace

std::string_view role_name(Role r) {
  for (const auto& [role, name] : kRoles) if (role == r) return name;
  return "unknown";
}

std::optional<Role> parse_role(std::string_view s) {
  for (const auto& [role, name] : kRoles) if (name == s) return role;
  return std::nullopt;
}

const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles = [] {
    std::vector<Role> v;
    for (const auto& [role, name] : kRoles) v.push_back(role);
    return v;
  }();
  return roles;
}

Principal system_principal(std::string name) {
  Principal p;
  p.username = std::move(name);
  p.user_id = "cli:" + p.username;
  p.display_name = p.username;
  p.role = Role::platform_admin;
  p.division_code = "";
  return p;
}

Status require_role(const Principal& p, std::initializer_list<Role> allowed) {
  for (Role r : allowed) if (p.role == r) return ok_status();
  return Error::make(ErrorKind::forbidden, "auth.forbidden",
                     "role " + std::string(role_name(p.role)) + " may not perform this action");
}

Status require_jurisdiction(const Principal& p, std::string_view division_code) {
  if (p.role == Role::platform_admin || p.role == Role::auditor) return ok_status();
  if (core::Divisions::yrd().within(division_code, p.division_code)) return ok_status();
  return Error::make(ErrorKind::forbidden, "auth.outside_jurisdiction",
                     "division " + std::string(division_code) + " is outside your jurisdiction (" +
                         p.division_code + ")");
}

}  // namespace riverlink::auth
