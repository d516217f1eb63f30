#include "common/conditions.hpp"

#include <gtest/gtest.h>

namespace medrelay {
namespace {

TEST(Conditions, KeysAreLowerCaseAndBothSidesTrimmed) {
  std::string error;
  auto conditions = parseConditions(" Modality = CT ,ae=PACS1", error);
  ASSERT_TRUE(conditions) << error;
  ASSERT_EQ(conditions->size(), 2u);
  EXPECT_EQ((*conditions)[0].key, "modality");
  EXPECT_EQ((*conditions)[0].value, "CT");
  EXPECT_EQ((*conditions)[1].key, "ae");
  EXPECT_EQ((*conditions)[1].value, "PACS1");
}

TEST(Conditions, EveryPieceNeedsAValueOfAtMost64Characters) {
  for (const char* text : {"", "modality", "modality=", "modality=CT,", ",modality=CT",
                           "modality=CT,,ae=X", "modality=  "}) {
    std::string error;
    EXPECT_FALSE(parseConditions(text, error)) << text;
    EXPECT_NE(error.find("needs a value"), std::string::npos) << text << ": " << error;
  }
  std::string error;
  EXPECT_TRUE(parseConditions("study=" + std::string(64, 'x'), error));
  EXPECT_FALSE(parseConditions("study=" + std::string(65, 'x'), error));
}

}  // namespace
}  // namespace medrelay
