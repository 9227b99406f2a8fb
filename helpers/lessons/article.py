"""The source article's prompts and tool definitions, as it published them.

Lesson 02 writes the tool definitions out by hand; lessons 03 to 06 import them
from here, so that what they send is exactly what the article sent (run B of
its published exchange, in ``cassettes/sources/published/``). The prompt and
the descriptions stay Chinese, as published; the English glosses are below.
"""

from __future__ import annotations

from typing import Any

# "Work out my computer's memory usage and the details; if usage is above 80%,
# write the memory information to mem_high.txt, otherwise to mem_ok.txt."
RUN_B_PROMPT = (
    "需要帮我计算电脑的内存使用率和具体的使用情况,如果内存使用率超过80%,"
    "则将内存相关信息写到mem_high.txt文件,不超过80%将内存相关信息写到mem_ok.txt文件中"
)

# Run A, the one whose first response the article printed, asked a little differently.
RUN_A_PROMPT = (
    "需要帮我计算我电脑的内存使用率和具体的使用情况,如果内存使用率超过80%,"
    "写到mem_high.txt文件,否则写到mem_ok.txt"
)

ARTICLE_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_memory_info",
            # "Get the system's memory; returns the memory situation as JSON."
            "description": "获取系统内存,会将系统的内存情况用json格式返回",
            "parameters": {"type": "object", "properties": {}, "required": []},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "write_file",
            # "Write text data to a file."
            "description": "将文本数据写入文件",
            "parameters": {
                "type": "object",
                "properties": {
                    "file_name": {"type": "string", "description": "文件名"},  # "file name"
                    "text": {"type": "string", "description": "写入的文本数据"},  # "text to write"
                },
                "required": ["file_name", "text"],
            },
        },
    },
]
