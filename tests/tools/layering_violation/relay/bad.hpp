// A fixture for the layering check: the media plane may not include the wiring above it.
#pragma once
#include "app/relay_service.hpp"
