"""CallToolResult → ToolOutput, on the SDK's own result types (the live servers are exercised
in test_mcp_toolset.py and test_mcp_reference.py)."""

from __future__ import annotations

import base64

import mcp.types as types

from agentplug.adapters.mcp.results import MAX_RESOURCE_TEXT, tool_output
from agentplug.core.messages import ImagePart, TextPart

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 20).decode()


def test_text_image_audio_and_structured_content():
    out = tool_output(types.CallToolResult(
        content=[types.TextContent(text="hello"),
                 types.ImageContent(data=PNG, mime_type="image/png"),
                 types.AudioContent(data="AAAA", mime_type="audio/wav")],
        structured_content={"n": 1}))
    assert out.parts[0] == TextPart("hello")
    assert out.parts[1] == ImagePart(PNG, "image/png")
    assert out.parts[2].text == "[audio audio/wav, 3 bytes: not passed to the model]"
    assert out.structured == {"n": 1} and not out.is_error


def test_structured_content_alone_becomes_json_text():
    out = tool_output(types.CallToolResult(content=[], structured_content={"sum": 3}))
    assert out.as_text == '{"sum": 3}' and out.structured == {"sum": 3}


def test_is_error_is_kept():
    out = tool_output(types.CallToolResult(content=[types.TextContent(text="nope")],
                                           is_error=True))
    assert out.is_error and out.as_text == "nope"


def test_embedded_resources_and_links():
    long_text = "x" * (MAX_RESOURCE_TEXT + 10)
    out = tool_output(types.CallToolResult(content=[
        types.EmbeddedResource(resource=types.TextResourceContents(
            uri="file:///a.txt", mime_type="text/plain", text="abc")),
        types.EmbeddedResource(resource=types.BlobResourceContents(
            uri="file:///p.png", mime_type="image/png", blob=PNG)),
        types.EmbeddedResource(resource=types.BlobResourceContents(
            uri="file:///a.gz", mime_type="application/gzip", blob="AAAAAA==")),
        types.EmbeddedResource(resource=types.TextResourceContents(uri="file:///big",
                                                                   text=long_text)),
        types.ResourceLink(name="readme", uri="file:///README.md", mime_type="text/markdown"),
    ]))
    texts = [p.text for p in out.parts if isinstance(p, TextPart)]
    assert texts[0] == "[resource file:///a.txt (text/plain)]\nabc"
    assert texts[1] == "[resource file:///p.png]"
    assert ImagePart(PNG, "image/png") in out.parts
    assert texts[2] == ("[resource file:///a.gz (application/gzip, 4 bytes): binary content "
                        "not passed to the model]")
    assert texts[3].endswith("[... 10 more characters]")
    assert texts[4] == "[resource link readme: file:///README.md (text/markdown)]"


def test_a_text_resource_sent_as_a_blob_is_given_as_text():
    out = tool_output(types.CallToolResult(content=[types.EmbeddedResource(
        resource=types.BlobResourceContents(uri="demo://r/2", mime_type="text/plain",
                                            blob=base64.b64encode(b"plain words").decode()))]))
    assert out.as_text == "[resource demo://r/2 (text/plain)]\nplain words"
