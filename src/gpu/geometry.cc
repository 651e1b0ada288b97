#include "gpu/geometry.h"
