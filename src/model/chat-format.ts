/** The special tokens and ChatML-style template of models Closer trains itself. */
export const SPECIAL_TOKENS = {
  endOfText: '<|endoftext|>',
  imStart: '<|im_start|>',
  imEnd: '<|im_end|>',
};

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** tokenizer_config.json for a ChatML tokenizer. */
export function chatTokenizerConfig(): Record<string, unknown> {
  return {
    chat_template: CHATML_TEMPLATE,
    eos_token: SPECIAL_TOKENS.imEnd,
    bos_token: null,
    pad_token: SPECIAL_TOKENS.endOfText,
    model_max_length: 2048,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}
