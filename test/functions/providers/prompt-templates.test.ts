import { describe, expect, it } from 'vitest';
import {
  detectPromptTemplate,
  splitPrompt,
} from '../../../functions/transform/providers/formats/prompt-templates.ts';

const text = (content: string) => ({ type: 'text', content });

describe('detectPromptTemplate', () => {
  it.each([
    ['<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>', 'llama3'],
    ['<s>[INST] <<SYS>>\nbe brief\n<</SYS>>\n\nhi [/INST]', 'llama2'],
    ['<s>[INST] hi [/INST]', 'inst'],
    ['<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>', 'deepseek'],
    ['<|User|>hi<|Assistant|>', 'deepseek'],
    ['\n\nHuman: hi\n\nAssistant:', undefined],
    ['just a question', undefined],
  ])('%j → %s', (prompt, template) => {
    expect(detectPromptTemplate(prompt)).toBe(template);
  });
});

describe('splitPrompt: Llama 3 headers', () => {
  it('moves the system turn to system text and keeps user/assistant turns in order', () => {
    const split = splitPrompt(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(split.template).toBe('llama3');
    expect(split.system).toEqual([text('Be terse.')]);
    // The trailing empty assistant header only asks for the generation: it is not a message.
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('Hi')] },
      { role: 'assistant', parts: [text('Hello.')] },
      { role: 'user', parts: [text('Bye?')] },
    ]);
  });

  it('keeps a prefilled assistant turn and reads ipython turns as tool results', () => {
    const split = splitPrompt(
      '<|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n<|python_tag|>weather.call()<|eom_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n{"temp": 21}<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nIt is',
    );
    expect(split.system).toBeUndefined();
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('Weather?')] },
      { role: 'assistant', parts: [text('<|python_tag|>weather.call()')] },
      { role: 'tool', parts: [{ type: 'tool_call_response', response: '{"temp": 21}' }] },
      { role: 'assistant', parts: [text('It is')] },
    ]);
  });

  it('keeps the text of a header that never closes', () => {
    const split = splitPrompt(
      '<|start_header_id|>user<|end_header_id|>\n\nA<|eot_id|><|start_header_id|>oops',
    );
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('A')] },
      { role: 'user', parts: [text('oops')] },
    ]);
  });
});

describe('splitPrompt: [INST] (Llama 2, Mistral)', () => {
  it('extracts Llama 2 <<SYS>> from the first instruction and splits the turns', () => {
    const split = splitPrompt(
      '<s>[INST] <<SYS>>\nYou are a release manager.\n<</SYS>>\n\nShip Friday? [/INST] No. </s><s>[INST] Docs only? [/INST]',
    );
    expect(split.template).toBe('llama2');
    expect(split.system).toEqual([text('You are a release manager.')]);
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('Ship Friday?')] },
      { role: 'assistant', parts: [text('No.')] },
      { role: 'user', parts: [text('Docs only?')] },
    ]);
  });

  it('reads Mistral [SYSTEM_PROMPT] and multi-turn prompts', () => {
    const split = splitPrompt(
      '<s>[SYSTEM_PROMPT]Answer in French.[/SYSTEM_PROMPT][INST] Hello [/INST]Bonjour</s>[INST] Thanks [/INST]',
    );
    expect(split.template).toBe('inst');
    expect(split.system).toEqual([text('Answer in French.')]);
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('Hello')] },
      { role: 'assistant', parts: [text('Bonjour')] },
      { role: 'user', parts: [text('Thanks')] },
    ]);
  });

  it('treats free text before the first [INST] as system text and an unclosed [INST] as the user turn', () => {
    const split = splitPrompt('You are terse. [INST] Hi');
    expect(split.system).toEqual([text('You are terse.')]);
    expect(split.messages).toEqual([{ role: 'user', parts: [text('Hi')] }]);
  });
});

describe('splitPrompt: DeepSeek', () => {
  it('splits system, turns and drops the generation prompt <think>', () => {
    const split = splitPrompt(
      '<｜begin▁of▁sentence｜>You are careful.<｜User｜>1+1?<｜Assistant｜>2<｜end▁of▁sentence｜>' +
        '<｜User｜>2+2?<｜Assistant｜><think>\n',
    );
    expect(split.template).toBe('deepseek');
    expect(split.system).toEqual([text('You are careful.')]);
    expect(split.messages).toEqual([
      { role: 'user', parts: [text('1+1?')] },
      { role: 'assistant', parts: [text('2')] },
      { role: 'user', parts: [text('2+2?')] },
    ]);
  });

  it('reads the ASCII-bar spelling people type by hand', () => {
    expect(splitPrompt('<|User|>Hi<|Assistant|>').messages).toEqual([{ role: 'user', parts: [text('Hi')] }]);
  });
});

describe('splitPrompt: anything else', () => {
  it('is one user message, verbatim', () => {
    expect(splitPrompt('  Summarise this.\n')).toEqual({
      template: undefined,
      system: undefined,
      messages: [{ role: 'user', parts: [text('  Summarise this.\n')] }],
    });
  });

  // Quadratic rescans (one search to the end per turn) would take minutes here; linear takes milliseconds.
  it.each([
    ['[INST] without [/INST]', '[INST] question '.repeat(60_000)],
    ['Llama 3 headers without <|end_header_id|>', '<|start_header_id|>user '.repeat(60_000)],
    ['DeepSeek users without an assistant', '<｜User｜>question '.repeat(60_000)],
  ])('reads a huge prompt of %s in linear time', { timeout: 5_000 }, (_label, prompt) => {
    const split = splitPrompt(prompt);
    expect(split.messages).toHaveLength(60_000);
  });
});
