#include "gpu/gpu_model.h"
