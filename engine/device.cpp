// Device choice for a model: `auto` prefers CUDA when a device is usable and otherwise runs on
// the CPU and says why; the program never fails to start because of CUDA.
#include "backend.h"

#ifdef CAUSERIE_HAVE_CUDA
#include "kernels/cuda/device_probe.h"
#endif

namespace causerie {

Result<std::unique_ptr<ComputeBackend>> create_backend(const Model& model, const BackendOptions& options,
                                                       std::string* why)
{
    const std::string& device = options.device;
    if (device == "cpu")
        return create_cpu_backend(model, options);
    if (device == "auto") {
#ifdef CAUSERIE_HAVE_CUDA
        const auto probe = kernels::cuda::probe_devices();
        if (why)
            *why = probe.usable ? "the GPU backend is not finished yet: running on the CPU"
                                : probe.reason + ": running on the CPU";
#else
        if (why)
            *why = "this build of Causerie has no GPU backend: running on the CPU";
#endif
        return create_cpu_backend(model, options);
    }
    if (device == "cuda" || device == "cuda-sim")
        return make_error("device '" + device + "' is not available in this build (no CUDA backend yet)");
    return make_error("unknown device '" + device + "' (expected auto, cpu or cuda)");
}

} // namespace causerie
