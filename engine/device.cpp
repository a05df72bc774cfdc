// Device choice for a model: `auto` prefers CUDA when a device is usable and otherwise runs on
// the CPU and says why; the program never fails to start because of CUDA.
#include "backend.h"

namespace causerie {

Result<std::unique_ptr<ComputeBackend>> create_backend(const Model& model, const BackendOptions& options,
                                                       std::string* why)
{
    const std::string& device = options.device;
    if (device == "cpu")
        return create_cpu_backend(model, options);
    if (device == "auto") {
        if (why)
            *why = "this build of Causerie has no GPU backend yet: running on the CPU";
        return create_cpu_backend(model, options);
    }
    if (device == "cuda" || device == "cuda-sim")
        return make_error("device '" + device + "' is not available in this build (no CUDA backend yet)");
    return make_error("unknown device '" + device + "' (expected auto, cpu or cuda)");
}

} // namespace causerie
