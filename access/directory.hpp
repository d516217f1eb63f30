// An immutable snapshot of the access directory: everything a watch decision needs, loaded
// from the store in one read transaction. Shared read-only between threads (shared_ptr<const>);
// a change in the store produces a new snapshot, never an edit of this one.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace medrelay::access {

enum class UserStatus { PreRegistered, Active, Disabled };

struct DirectoryUser {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string name;
  UserStatus status = UserStatus::Active;
  std::string displayName, department;  // how others see the user (presence)
  std::set<std::string> permissions;    // "view-live", "view-dicom", "search-images", "publish"
  bool systemAdmin = false;
  std::set<int64_t> adminOfTenants;  // tenant-admin roles
};

struct DirectoryGroup {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string name;
};

struct DirectoryStream {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string name;
  std::string kind;  // "camera" | "dicom"
  bool requiresOneTimeCode = false;
  std::string source;  // "rtsp://...", "test://", "dicom:AE", "whip" (published by a client)
};

struct DirectoryDevice {
  bool active = true;
  int64_t tokensValidAfter = 0;  // access tokens issued before this (seconds) no longer count
};

struct Directory {
  std::map<std::string, DirectoryUser, std::less<>> users;             // by name
  std::map<std::pair<int64_t, std::string>, DirectoryDevice> devices;  // (user id, uuid)
  std::map<int64_t, DirectoryGroup> groups;                            // by id
  std::map<std::string, DirectoryStream, std::less<>> streams;         // by name
  std::multimap<int64_t, int64_t> shares;                              // stream id -> group id
  std::set<std::pair<int64_t, int64_t>> memberships;                   // (group id, user id)
  std::set<std::pair<int64_t, int64_t>> collaborations;  // accepted, both orders (tenant ids)
  std::map<int64_t, std::string> tenantNames;            // by id
};

}  // namespace medrelay::access
