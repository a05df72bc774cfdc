#pragma once
// The engine's device name and device note (plain C++, English: "CPU (2 threads)", "no NVIDIA
// GPU was found: running on the CPU") in the app's language. Known forms are rebuilt from tr()
// strings (identical in English); a part the engine wrote freely (a CUDA error's text, a GPU's
// name) is kept as written inside the translated frame.
#include <QString>

namespace DeviceText {
QString device(const QString& engineText);
QString note(const QString& engineText);
}   // namespace DeviceText
