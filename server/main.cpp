#include "app/application.h"

int main(int argc, char** argv) { return billwright::app::runServer(argc, argv); }
