// The target exists for its header; SwiftPM needs one C file to build it.
#include "CFaaSSystem.h"
