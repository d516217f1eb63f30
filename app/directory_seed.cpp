#include "app/directory_seed.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "access/token_authority.hpp"

namespace medrelay::app {

namespace {

// Initial passwords are random per data directory and kept (0600) next to the database so the
// server can print them at every start, the way a fresh appliance shows its first password.
void writeInitialPasswords(const std::filesystem::path& file, const InitialPasswords& passwords) {
  std::ofstream out(file, std::ios::trunc);
  ::chmod(file.c_str(), S_IRUSR | S_IWUSR);
  out << kDemoUser << ' ' << passwords.demo << '\n' << kAdminUser << ' ' << passwords.admin << '\n';
}

}  // namespace

void seedEmbeddedDefault(access::DirectoryStore& store, const std::vector<SeedStream>& streams,
                         const std::filesystem::path& dataDir) {
  const std::string actor = "system";
  if (store.loadDirectory()->users.empty()) {
    InitialPasswords passwords{access::randomHex(8), access::randomHex(8)};
    store.addTenant(actor, kDemoTenant);
    store.addUser(actor, kDemoTenant, kDemoUser, "Demo clinician", access::UserStatus::Active);
    store.setPassword(actor, kDemoUser, passwords.demo);
    store.addGroup(actor, kDemoTenant, "demo");
    store.addMember(actor, kDemoGroup, kDemoUser, "owner");
    store.addUser(actor, kDemoTenant, kAdminUser, "Administrator", access::UserStatus::Active);
    store.setPassword(actor, kAdminUser, passwords.admin);
    store.setAdminRole(actor, kAdminUser, "system-admin", true);
    if (!dataDir.empty()) writeInitialPasswords(dataDir / kInitialPasswordsFile, passwords);
  }
  bool demoGroupExists = false;
  auto directory = store.loadDirectory();  // keep the snapshot alive while iterating
  for (const auto& [id, group] : directory->groups) {
    demoGroupExists = demoGroupExists || group.name == "demo";
  }
  for (const auto& stream : streams) {
    bool added = false;
    try {
      added = store.ensureStream(actor, kDemoTenant, stream.name, stream.kind, stream.source);
    } catch (const access::StoreError& e) {
      if (e.code() != "not-found") throw;  // no demo facility: an operator removed it
    }
    if (added && demoGroupExists) store.share(actor, stream.name, kDemoGroup);
  }
}

std::optional<InitialPasswords> readInitialPasswords(const std::filesystem::path& dataDir) {
  std::ifstream in(dataDir / kInitialPasswordsFile);
  if (!in) return std::nullopt;
  InitialPasswords passwords;
  std::string user, password;
  while (in >> user >> password) {
    if (user == kDemoUser) passwords.demo = password;
    if (user == kAdminUser) passwords.admin = password;
  }
  if (passwords.demo.empty() || passwords.admin.empty()) return std::nullopt;
  return passwords;
}

}  // namespace medrelay::app
