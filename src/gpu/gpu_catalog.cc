#include "gpu/gpu_catalog.h"
