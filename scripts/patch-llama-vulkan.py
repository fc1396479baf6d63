#!/usr/bin/env python3
"""Guards llama.cpp's use of VK_EXT_layer_settings types behind VK_HEADER_VERSION.

ggml-vulkan.cpp builds its instance with vk::LayerSettingEXT (a debug-layer
option, Vulkan headers >= 1.3.261). Debian 12 ships 1.3.239, so the block does
not compile there. The patch keeps the original code for new headers and, for
old ones, creates the instance without the layer-settings pNext, which only
matters when the validation layer is installed. Idempotent.
"""
import sys

path = sys.argv[1]
src = open(path, encoding="utf-8").read()
marker = "#if VK_HEADER_VERSION >= 261 /* strata */"
if marker in src:
    sys.exit(0)
start = src.find("    std::vector<vk::LayerSettingEXT> settings = {")
end_line = "    vk::InstanceCreateInfo instance_create_info(vk::InstanceCreateFlags{}, &app_info, layers, extensions, &layer_setting_info);\n"
end = src.find(end_line, start)
if start < 0 or end < 0:
    sys.exit(f"{path}: the vk::LayerSettingEXT block was not found; the pinned llama.cpp changed, update scripts/patch-llama-vulkan.py")
end += len(end_line)
fallback = "    vk::InstanceCreateInfo instance_create_info(vk::InstanceCreateFlags{}, &app_info, layers, extensions);\n"
patched = src[:start] + marker + "\n" + src[start:end] + "#else\n    (void) enable_best_practice;\n" + fallback + "#endif\n" + src[end:]
open(path, "w", encoding="utf-8").write(patched)
print(f"patched {path}")
