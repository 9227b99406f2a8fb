# The source article's script, as published (see /README: "Replay a session to any client").
# Changed: one line, `base_url` (the article's "xxxx" placeholder), set to where
# `python -m helpers serve cassettes/06_the_loop.yaml --in-order --port 8765` listens.
# The article's `api_key="xxxxx"` placeholder is kept: serve accepts any key.
# Otherwise as the article wrote it (its code, comments and imports, laid out by ruff format).
# ruff: noqa: E501, I001
from openai import OpenAI
from openai.types.chat.chat_completion_message_function_tool_call import ChatCompletionMessageFunctionToolCall
import psutil
import json

client = OpenAI(
    api_key="xxxxx",
    base_url="http://127.0.0.1:8765/v1",  # changed: the article has base_url="xxxx"
)


def get_memory_info():
    mem = psutil.virtual_memory()
    mem_info = {"total": mem.total, "available": mem.available, "used": mem.used, "free": mem.free}
    return json.dumps(mem_info)


def write_file(file_name, text):
    with open(file_name, "w", encoding="utf-8") as f:
        f.write(text)


def do_function_tool_call(function_tool_call: ChatCompletionMessageFunctionToolCall):
    """
    基于大模型返回的函数调用说明,进行函数调用,并且构造tool的message返回
    """
    function_call = function_tool_call.function
    name = function_call.name
    args = function_call.arguments
    if name == "get_memory_info":
        func_result = get_memory_info()
    elif name == "write_file":
        args_dict = json.loads(args)
        func_result = write_file(args_dict["file_name"], args_dict["text"])
    else:
        raise Exception("unkown function:" + name)
    if func_result is None:
        func_result = ""
    ## 需要把response的关联的function_tool_call设置tool_call_id
    tool_message = {"role": "tool", "tool_call_id": function_tool_call.id, "content": func_result}
    return tool_message


## 以下对传递给llm的工具集描述,注意在早期版本是使用functions参数进行调用格式上会有所差异,openai认为tools可以支持更加广泛的工具支持因此推荐使用tools传参
tools = [
    {
        "type": "function",
        "function": {
            "name": "get_memory_info",
            "description": "获取系统内存,会将系统的内存情况用json格式返回",
            "parameters": {"type": "object", "properties": {}, "required": []},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "write_file",
            "description": "将文本数据写入文件",
            "parameters": {
                "type": "object",
                "properties": {
                    "file_name": {"type": "string", "description": "文件名"},
                    "text": {"type": "string", "description": "写入的文本数据"},
                },
                "required": ["file_name", "text"],
            },
        },
    },
]
user_input = "需要帮我计算电脑的内存使用率和具体的使用情况,如果内存使用率超过80%,则将内存相关信息写到mem_high.txt文件,不超过80%将内存相关信息写到mem_ok.txt文件中"
messages = [{"role": "user", "content": user_input}]
response = client.chat.completions.create(model="gpt-5-mini", messages=messages, tools=tools)
resp_msg = response.choices[0].message
# 实现多轮对话,首先会执行查询内存函数调用
messages.append(resp_msg)
# 对于实际开发来说需要严格tool_calls是否为空再决定是否调用
function_tool_call = resp_msg.tool_calls[0]
# 大模型只返回需要调用的函数名称和参数,需要应用自行调用。
tool_message = do_function_tool_call(function_tool_call)
# 将函数(工具)执行结果封装成tool类型返回.
messages.append(tool_message)
response = client.chat.completions.create(model="gpt-5-mini", messages=messages, tools=tools)
# 实现多轮对话,执行写入函数的调用
resp_msg = response.choices[0].message
messages.append(resp_msg)
function_tool_call = resp_msg.tool_calls[0]
tool_message = do_function_tool_call(function_tool_call)
messages.append(tool_message)
response = client.chat.completions.create(model="gpt-5-mini", messages=messages, tools=tools)
print(response.choices[0].message.content)
