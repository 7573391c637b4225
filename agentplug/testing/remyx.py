"""A Remyx engine simulator: the asset lookup ``remyxai`` makes for a paper, on 127.0.0.1.

Written from the SDK's source (``remyxai/api/search.py``: ``GET {base}/api/v1.0/search/assets/
{arxiv_id}`` with a bearer key, 404 for an unknown paper, the ``Asset`` fields). Remyx only
names the paper's Docker image; AG2's ``RemyxCodeExecutor`` then runs code locally in it, so
this simulator answers with an image you have (``papers={"2010.11929": "local/python:..."}``).

``remyxai`` reads its URL once, when it is first imported (``REMYXAI_API_URL``): point it
here in a process that has not imported it yet (``sim.env`` gives the variables).
"""

from __future__ import annotations

import re
from typing import Any

from .server import RecordedRequest, Response, Simulator, json_response


class RemyxSimulator(Simulator):
    api_key = "remyx-simulated-key"

    def __init__(self, papers: dict[str, str]) -> None:
        super().__init__()
        self.papers = dict(papers)  # arxiv id -> docker image
        self.lookups: list[str] = []

    @property
    def env(self) -> dict[str, str]:
        return {"REMYXAI_API_URL": self.url, "REMYXAI_API_KEY": self.api_key}

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"error": message}, status)

    def route(self, request: RecordedRequest) -> Response:
        if request.header("authorization") != f"Bearer {self.api_key}":
            return self.error_response(401, "invalid API key")
        match = re.fullmatch(r"/api/v1\.0/search/assets/([^/]+)", request.path)
        if request.method != "GET" or match is None:
            return self.error_response(404, f"no route {request.method} {request.path}")
        arxiv_id = match.group(1)
        self.lookups.append(arxiv_id)
        image = self.papers.get(arxiv_id)
        if image is None:
            return self.error_response(404, f"asset {arxiv_id} not found")
        return json_response(_asset(arxiv_id, image))


def _asset(arxiv_id: str, image: str) -> dict[str, Any]:
    return {"arxiv_id": arxiv_id, "title": f"Paper {arxiv_id}", "docker_image": image,
            "has_docker": True, "working_directory": "/app", "environment_vars": [],
            "abstract": "", "authors": [], "categories": ["cs.LG"],
            "docker_build_status": "built"}
