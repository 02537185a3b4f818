#define BOOST_TEST_MODULE services
#include <boost/test/unit_test.hpp>

#include "support/test_database.h"

using billwright::testing::DatabaseSelection;
BOOST_TEST_GLOBAL_FIXTURE(DatabaseSelection);
