#include "app/directory_seed.hpp"

namespace medrelay::app {

void seedEmbeddedDefault(access::DirectoryStore& store, const std::vector<SeedStream>& streams) {
  const std::string actor = "system";
  if (store.loadDirectory()->users.empty()) {
    store.addTenant(actor, kDemoTenant);
    store.addUser(actor, kDemoTenant, kDemoUser, "Demo clinician", access::UserStatus::Active);
    store.addGroup(actor, kDemoTenant, "demo");
    store.addMember(actor, kDemoGroup, kDemoUser, "owner");
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

}  // namespace medrelay::app
