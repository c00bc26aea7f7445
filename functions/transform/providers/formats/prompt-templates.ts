import { type Message, type MessagePart, toolResponsePart } from '../../row/messages.ts';

/**
 * Prompt-string bodies (Llama, Mistral text completion, DeepSeek R1, imported models) carry the whole
 * conversation inside one chat template. Where the template is recognised, split it back into system text
 * and role messages (record-schema §4.11); any other prompt is one user message. Every scan goes forward
 * with `indexOf`, so a prompt is read in linear time however many turns it has.
 */

export type PromptTemplate = 'llama3' | 'llama2' | 'inst' | 'deepseek';

export interface SplitPrompt {
  readonly template: PromptTemplate | undefined;
  readonly system: MessagePart[] | undefined;
  readonly messages: Message[];
}

const LLAMA3_HEADER_START = '<|start_header_id|>';
const LLAMA3_HEADER_END = '<|end_header_id|>';
const LLAMA3_BEGIN = '<|begin_of_text|>';
// <|eom_id|> ends a Llama 3.1 turn that expects a tool result; both end the message.
const LLAMA3_TURN_ENDS = ['<|eot_id|>', '<|eom_id|>'] as const;

const INST_OPEN = '[INST]';
const INST_CLOSE = '[/INST]';
const LLAMA2_SYS_OPEN = '<<SYS>>';
const LLAMA2_SYS_CLOSE = '<</SYS>>';
const MISTRAL_SYS_OPEN = '[SYSTEM_PROMPT]';
const MISTRAL_SYS_CLOSE = '[/SYSTEM_PROMPT]';

interface DeepSeekTokens {
  readonly begin: string;
  readonly end: string;
  readonly user: string;
  readonly assistant: string;
}

// The official template uses fullwidth bars and U+2581; hand-written prompts often use ASCII bars.
const DEEPSEEK_TOKENS: readonly DeepSeekTokens[] = [
  {
    begin: '<｜begin▁of▁sentence｜>',
    end: '<｜end▁of▁sentence｜>',
    user: '<｜User｜>',
    assistant: '<｜Assistant｜>',
  },
  {
    begin: '<|begin_of_sentence|>',
    end: '<|end_of_sentence|>',
    user: '<|User|>',
    assistant: '<|Assistant|>',
  },
];

/** Which template a prompt uses, by its marker tokens; undefined for a plain prompt. */
export function detectPromptTemplate(prompt: string): PromptTemplate | undefined {
  if (prompt.includes(LLAMA3_HEADER_START)) return 'llama3';
  if (deepSeekTokensOf(prompt) !== undefined) return 'deepseek';
  if (prompt.includes(INST_OPEN)) return prompt.includes(LLAMA2_SYS_OPEN) ? 'llama2' : 'inst';
  return undefined;
}

/** Split a prompt string into system parts and role messages. Never throws. */
export function splitPrompt(prompt: string): SplitPrompt {
  const template = detectPromptTemplate(prompt);
  switch (template) {
    case 'llama3':
      return splitLlama3(prompt);
    case 'deepseek': {
      const tokens = deepSeekTokensOf(prompt);
      return tokens === undefined ? plainPrompt(prompt) : splitDeepSeek(prompt, tokens);
    }
    case 'llama2':
    case 'inst':
      return splitInst(prompt, template);
    default:
      return plainPrompt(prompt);
  }
}

function plainPrompt(prompt: string): SplitPrompt {
  return { template: undefined, system: undefined, messages: [textMessageOf('user', prompt)] };
}

function deepSeekTokensOf(prompt: string): DeepSeekTokens | undefined {
  return DEEPSEEK_TOKENS.find((tokens) => prompt.includes(tokens.user));
}

/** System text and messages as a template is read; empty turns are dropped. */
interface Collector {
  readonly system: string[];
  readonly messages: Message[];
}

function collected(template: PromptTemplate, collector: Collector): SplitPrompt {
  return {
    template,
    system:
      collector.system.length === 0
        ? undefined
        : collector.system.map((content): MessagePart => ({ type: 'text', content })),
    messages: collector.messages,
  };
}

function addTurn(collector: Collector, role: string, content: string): void {
  if (content === '') return;
  if (role === 'system') collector.system.push(content);
  else collector.messages.push(textMessageOf(role, content));
}

function textMessageOf(role: string, content: string): Message {
  return { role, parts: [{ type: 'text', content }] };
}

/**
 * `indexOf` for a token that is searched again and again from growing offsets: a hit past `from` is reused
 * and a miss is final, so a prompt whose closing tokens are missing is still scanned once, not once a turn.
 */
function forwardFinder(text: string, token: string): (from: number) => number {
  let last = -2;
  return (from) => {
    if (last === -1 || last >= from) return last;
    last = text.indexOf(token, from);
    return last;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Llama 3: <|begin_of_text|><|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>…
// ---------------------------------------------------------------------------------------------------------

function splitLlama3(prompt: string): SplitPrompt {
  const collector: Collector = { system: [], messages: [] };
  const findHeaderEnd = forwardFinder(prompt, LLAMA3_HEADER_END);
  let headerAt = prompt.indexOf(LLAMA3_HEADER_START);
  addTurn(collector, 'user', stripToken(prompt.slice(0, headerAt), LLAMA3_BEGIN).trim());
  while (headerAt >= 0) {
    const roleStart = headerAt + LLAMA3_HEADER_START.length;
    const nextHeader = prompt.indexOf(LLAMA3_HEADER_START, roleStart);
    const segmentEnd = nextHeader < 0 ? prompt.length : nextHeader;
    const roleEnd = findHeaderEnd(roleStart);
    if (roleEnd < 0 || roleEnd > segmentEnd) {
      // A header that never closes: keep its text rather than lose it.
      addTurn(collector, 'user', prompt.slice(roleStart, segmentEnd).trim());
    } else {
      const role = prompt.slice(roleStart, roleEnd).trim();
      const content = untilTurnEnd(prompt.slice(roleEnd + LLAMA3_HEADER_END.length, segmentEnd)).trim();
      addLlama3Turn(collector, role, content);
    }
    headerAt = nextHeader;
  }
  return collected('llama3', collector);
}

function untilTurnEnd(segment: string): string {
  let end = segment.length;
  for (const token of LLAMA3_TURN_ENDS) {
    const at = segment.indexOf(token);
    if (at >= 0 && at < end) end = at;
  }
  return segment.slice(0, end);
}

/** Llama 3.1 returns tool output in an `ipython` turn: that is a tool result. */
function addLlama3Turn(collector: Collector, role: string, content: string): void {
  if (role !== 'ipython') {
    addTurn(collector, role === '' ? 'user' : role, content);
    return;
  }
  if (content !== '')
    collector.messages.push({ role: 'tool', parts: [toolResponsePart(content, undefined)] });
}

// ---------------------------------------------------------------------------------------------------------
// Llama 2 / Mistral: <s>[INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST] ASSISTANT </s><s>[INST] USER [/INST]
// ---------------------------------------------------------------------------------------------------------

function splitInst(prompt: string, template: 'llama2' | 'inst'): SplitPrompt {
  const collector: Collector = { system: [], messages: [] };
  const findClose = forwardFinder(prompt, INST_CLOSE);
  let openAt = prompt.indexOf(INST_OPEN);
  addInstPreamble(collector, prompt.slice(0, openAt));
  while (openAt >= 0) {
    const userStart = openAt + INST_OPEN.length;
    const nextOpen = prompt.indexOf(INST_OPEN, userStart);
    const segmentEnd = nextOpen < 0 ? prompt.length : nextOpen;
    const closeAt = findClose(userStart);
    const userEnd = closeAt < 0 || closeAt > segmentEnd ? segmentEnd : closeAt;
    addInstUser(collector, prompt.slice(userStart, userEnd));
    if (userEnd < segmentEnd) {
      const reply = prompt.slice(userEnd + INST_CLOSE.length, segmentEnd);
      addTurn(collector, 'assistant', stripSentenceTokens(reply).trim());
    }
    openAt = nextOpen;
  }
  return collected(template, collector);
}

/** Text before the first [INST]: Mistral's [SYSTEM_PROMPT] block, or free text that acts as a system prompt. */
function addInstPreamble(collector: Collector, preamble: string): void {
  const text = stripSentenceTokens(preamble);
  const open = text.indexOf(MISTRAL_SYS_OPEN);
  const close = text.indexOf(MISTRAL_SYS_CLOSE, open);
  if (open >= 0 && close >= 0) {
    addTurn(collector, 'system', text.slice(open + MISTRAL_SYS_OPEN.length, close).trim());
    return;
  }
  addTurn(collector, 'system', text.trim());
}

function addInstUser(collector: Collector, text: string): void {
  const open = text.indexOf(LLAMA2_SYS_OPEN);
  const close = open < 0 ? -1 : text.indexOf(LLAMA2_SYS_CLOSE, open);
  if (open < 0 || close < 0) {
    addTurn(collector, 'user', text.trim());
    return;
  }
  addTurn(collector, 'system', text.slice(open + LLAMA2_SYS_OPEN.length, close).trim());
  addTurn(collector, 'user', `${text.slice(0, open)}${text.slice(close + LLAMA2_SYS_CLOSE.length)}`.trim());
}

function stripSentenceTokens(text: string): string {
  return stripToken(stripToken(text, '</s>'), '<s>');
}

function stripToken(text: string, token: string): string {
  return text.includes(token) ? text.replaceAll(token, '') : text;
}

// ---------------------------------------------------------------------------------------------------------
// DeepSeek: <｜begin▁of▁sentence｜>SYSTEM<｜User｜>USER<｜Assistant｜>ASSISTANT<｜end▁of▁sentence｜><｜User｜>…
// ---------------------------------------------------------------------------------------------------------

function splitDeepSeek(prompt: string, tokens: DeepSeekTokens): SplitPrompt {
  const collector: Collector = { system: [], messages: [] };
  let userAt = prompt.indexOf(tokens.user);
  addTurn(collector, 'system', stripToken(prompt.slice(0, userAt), tokens.begin).trim());
  const findAssistant = forwardFinder(prompt, tokens.assistant);
  while (userAt >= 0) {
    const userStart = userAt + tokens.user.length;
    const nextUser = prompt.indexOf(tokens.user, userStart);
    const segmentEnd = nextUser < 0 ? prompt.length : nextUser;
    const assistantAt = findAssistant(userStart);
    const hasReply = assistantAt >= 0 && assistantAt < segmentEnd;
    addTurn(collector, 'user', prompt.slice(userStart, hasReply ? assistantAt : segmentEnd).trim());
    if (hasReply) {
      const reply = stripToken(prompt.slice(assistantAt + tokens.assistant.length, segmentEnd), tokens.end);
      addDeepSeekReply(collector, reply.trim());
    }
    userAt = nextUser;
  }
  return collected('deepseek', collector);
}

/** The final `<｜Assistant｜><think>\n` only opens the reply to generate: it is not a message. */
function addDeepSeekReply(collector: Collector, reply: string): void {
  if (reply === '<think>') return;
  addTurn(collector, 'assistant', reply);
}
