#define BOOST_TEST_MODULE scripting
#include <boost/test/unit_test.hpp>
