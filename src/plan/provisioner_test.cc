#include "plan/provisioner.h"
