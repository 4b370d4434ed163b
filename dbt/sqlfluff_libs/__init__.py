"""dbt's context as far as sqlfluff's jinja templater needs it to render this project's SQL with
no database (.sqlfluff: library_path): ``var`` reads the vars of dbt_project.yml, ``execute`` is
false as while dbt parses (so no model queries the warehouse while it is rendered), and what
reads the warehouse at compile time answers as for an empty one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

_VARS = yaml.safe_load((Path(__file__).parents[1] / "dbt_project.yml").read_text())["vars"]

execute = False


def var(name: str, default: object = None) -> object:
    return _VARS.get(name, default)


def log(message: object, info: bool = False) -> str:
    return ""


def local_md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class _Model:
    raw_code = ""


model = _Model()


class _Adapter:
    @staticmethod
    def get_columns_in_relation(relation: object) -> list:
        return []


adapter = _Adapter()
