// Routing rules for DICOM-derived streams: what the command line accepts, and which group an
// object's facts pick (first match wins, conditions all hold, case does not matter).
#include "app/dicom_routing.hpp"

#include <gtest/gtest.h>

namespace medrelay::app {
namespace {

DicomRoute parsed(const std::string& text) {
  std::string error;
  auto route = parseDicomRoute(text, error);
  EXPECT_TRUE(route) << text << ": " << error;
  return route.value_or(DicomRoute{});
}

TEST(DicomRouting, ParsesConditionsAndGroup) {
  auto route = parsed("ae=CT_ER, modality=ct ,study=head angio:stmarys/stroke");
  EXPECT_EQ(route.ae, "CT_ER");
  EXPECT_EQ(route.modality, "ct");
  EXPECT_EQ(route.studyContains, "head angio");
  EXPECT_EQ(route.group, "stmarys/stroke");
}

TEST(DicomRouting, RefusesWhatIsNotARule) {
  for (const std::string& text : std::vector<std::string>{
           "", "modality=CT", ":demo/demo", "modality=CT:demo", "modality=CT:/demo",
           "modality=CT:demo/", "color=red:demo/demo", "modality=:demo/demo",
           "modality=" + std::string(65, 'x') + ":demo/demo"}) {
    std::string error;
    EXPECT_FALSE(parseDicomRoute(text, error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(DicomRouting, FirstMatchingRuleWinsElseTheFallback) {
  std::vector<DicomRoute> routes = {parsed("ae=CT_ER,modality=CT:h/stroke"),
                                    parsed("study=cardiac:h/cardiology"),
                                    parsed("modality=CT:h/radiology")};
  using Facts = pipelines::dicom::StoreContext;
  EXPECT_EQ(routeDicomObject(routes, Facts{"ct_er", "CT", ""}, "h/all"), "h/stroke");
  EXPECT_EQ(routeDicomObject(routes, Facts{"CT_WARD", "CT", ""}, "h/all"), "h/radiology");
  EXPECT_EQ(routeDicomObject(routes, Facts{"CT_ER", "CT", "Cardiac CTA"}, "h/all"), "h/stroke");
  EXPECT_EQ(routeDicomObject(routes, Facts{"ECHO", "US", "Echo CARDIAC 4ch"}, "h/all"),
            "h/cardiology");
  EXPECT_EQ(routeDicomObject(routes, Facts{"ECHO", "US", "Abdomen"}, "h/all"), "h/all");
  EXPECT_EQ(routeDicomObject({}, Facts{"X", "MR", ""}, "h/all"), "h/all");
}

// Issue 13: a route may say what to do with burned-in text; the choice carries it.
TEST(DicomRouting, RoutesCarryTheirBurnedInPolicy) {
  auto route = parsed("modality=US,burned-in=block:h/echo");
  ASSERT_TRUE(route.burnedIn);
  EXPECT_EQ(*route.burnedIn, pipelines::dicom::BurnedInPolicy::Block);
  std::string error;
  EXPECT_FALSE(parseDicomRoute("burned-in=maybe:h/echo", error));
  EXPECT_NE(error.find("redact, block or allow"), std::string::npos) << error;
  pipelines::dicom::StoreContext us{"ECHO1", "US", "", {}};
  auto choice = chooseDicomRoute({route, parsed("modality=CT:h/ct")}, us, "h/default");
  EXPECT_EQ(choice.group, "h/echo");
  EXPECT_EQ(choice.burnedIn, pipelines::dicom::BurnedInPolicy::Block);
  pipelines::dicom::StoreContext mr{"MR1", "MR", "", {}};
  auto fallback = chooseDicomRoute({route}, mr, "h/default");
  EXPECT_EQ(fallback.group, "h/default");
  EXPECT_FALSE(fallback.burnedIn);
}

}  // namespace
}  // namespace medrelay::app
