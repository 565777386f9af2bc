"""What the board's routes get from the app: the board, its instances, its settings.

The lifespan (:func:`issuer.http.app.create_app`) builds one :class:`~issuer.board.Board`
and its :class:`~issuer.instances.Instances` and keeps them on ``app.state``; routes declare
them with the ``Annotated`` aliases here and never open a database session themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from issuer.board import Board
from issuer.instances import Instances
from issuer.settings import IssuerSettings

__all__ = [
    "BoardDep",
    "InstancesDep",
    "SettingsDep",
    "board_of",
    "instances_of",
    "settings_of",
]


def board_of(request: Request) -> Board:
    """The board the lifespan opened."""
    board: Board = request.app.state.board
    return board


def instances_of(request: Request) -> Instances:
    """The issuer instances the lifespan built on the board."""
    instances: Instances = request.app.state.instances
    return instances


def settings_of(request: Request) -> IssuerSettings:
    settings: IssuerSettings = request.app.state.settings
    return settings


BoardDep = Annotated[Board, Depends(board_of)]
InstancesDep = Annotated[Instances, Depends(instances_of)]
SettingsDep = Annotated[IssuerSettings, Depends(settings_of)]
