// Drives StellarChat's Ollama API with the official `ollama` JavaScript client and prints one JSON object of
// what it saw; OllamaClientTest (Java) asserts on it. Usage: node client.mjs <base url> <chat model> <tools model>
import { Ollama } from 'ollama';

const [host, model, toolsModel] = process.argv.slice(2);
const ollama = new Ollama({ host });
const out = {};

out.version = await ollama.version ? (await fetch(host + '/api/version').then(r => r.json())) : null;
out.list = (await ollama.list()).models.map(m => ({ name: m.name, family: m.details.family, format: m.details.format }));
const shown = await ollama.show({ model });
out.show = { capabilities: shown.capabilities, family: shown.details.family, info: shown.model_info };
out.ps = (await ollama.ps()).models.map(m => m.name);

const chat = await ollama.chat({ model, messages: [{ role: 'user', content: 'Once upon a time' }],
  options: { temperature: 0, num_predict: 16, seed: 1 } });
out.chat = { content: chat.message.content, done: chat.done, reason: chat.done_reason, evalCount: chat.eval_count,
  promptCount: chat.prompt_eval_count, evalDuration: chat.eval_duration, total: chat.total_duration };

let streamed = '';
let parts = 0;
let last = null;
for await (const part of await ollama.chat({ model, stream: true, messages: [{ role: 'user', content: 'Once upon a time' }],
  options: { temperature: 0, num_predict: 16, seed: 1 } })) {
  streamed += part.message.content;
  parts++;
  last = part;
}
out.chatStream = { content: streamed, parts, done: last.done, reason: last.done_reason, evalCount: last.eval_count };

let generated = '';
for await (const part of await ollama.generate({ model, prompt: 'Once upon a time', stream: true,
  options: { temperature: 0, num_predict: 12 } })) {
  generated += part.response;
}
out.generate = generated;

const json = await ollama.chat({ model, format: 'json', messages: [{ role: 'user', content: 'x' }],
  options: { num_predict: 200, seed: 3 } });
out.formatJson = { content: json.message.content, reason: json.done_reason };
const schema = { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, ok: { type: 'boolean' } },
  required: ['name', 'ok'], additionalProperties: false };
const structured = await ollama.chat({ model, format: schema, messages: [{ role: 'user', content: 'x' }],
  options: { num_predict: 200, seed: 4 } });
out.formatSchema = { content: structured.message.content, reason: structured.done_reason };

const emb = await ollama.embed({ model, input: ['hello', 'world'] });
out.embed = { count: emb.embeddings.length, dim: emb.embeddings[0].length, promptCount: emb.prompt_eval_count };

try {
  await ollama.chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
  out.missing = 'no error';
} catch (e) {
  out.missing = { message: e.message, status: e.status_code };
}

const tool = { type: 'function', function: { name: 'get_weather', description: 'Weather now',
  parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Oslo', 'Rome'] } }, required: ['city'] } } };
const called = await ollama.chat({ model: toolsModel, tools: [tool], messages: [{ role: 'user', content: 'Weather?' }],
  options: { num_predict: 64, seed: 2 } });
out.tools = { calls: called.message.tool_calls ?? [], content: called.message.content };

console.log(JSON.stringify(out));
