"""The gRPC side of a provider double: Pulumi's ResourceProvider protocol, answered by a plain
Python object (``check``/``diff``/``create``/``read``/``update``/``delete``/``invoke``).

The Python SDK's own servicer (``pulumi.provider.server.ProviderServicer``) only answers
Construct, Call and Invoke; a custom-resource provider needs CRUD too, so this extends it."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import traceback
from typing import Any, Mapping

import grpc
import grpc.aio
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's sentinel for a value not known yet


class ProviderError(Exception):
    """A failure the engine shows as the operation's error (the message names resource and rule)."""


def to_dict(s: struct_pb2.Struct | None) -> dict[str, Any]:
    return json_format.MessageToDict(s) if s is not None else {}


def to_struct(d: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(d))
    return s


class DoubleServicer(ProviderServicer):
    """CRUD by ``impl``; Construct/Invoke as the SDK does them (``impl`` is then also the SDK Provider)."""

    def __init__(self, impl: Any, engine_address: str) -> None:
        super().__init__(impl, [], engine_address=engine_address)
        self.impl = impl

    async def _run(self, context: Any, fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
        except ProviderError as e:
            await context.abort(grpc.StatusCode.UNKNOWN, str(e))
        except Exception as e:  # noqa: BLE001 - the engine shows it; a traceback helps a double's author
            await context.abort(grpc.StatusCode.UNKNOWN, f"{e}\n{traceback.format_exc()}")

    async def CheckConfig(self, request: Any, context: Any) -> Any:
        return proto.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_NONE)

    async def Configure(self, request: Any, context: Any) -> Any:
        if hasattr(self.impl, "construct"):  # constructs need secrets and outputs as the SDK handles them
            return await super().Configure(request, context)
        if hasattr(self.impl, "configure"):
            self.impl.configure(dict(request.variables), to_dict(request.args))
        return proto.ConfigureResponse(acceptSecrets=False, supportsPreview=True, acceptResources=True,
                                       acceptOutputs=False)

    async def Invoke(self, request: Any, context: Any) -> Any:
        if not hasattr(self.impl, "invoke_token"):
            return await super().Invoke(request, context)
        out = await self._run(context, self.impl.invoke_token, request.tok, to_dict(request.args))
        return proto.InvokeResponse(**{"return": to_struct(out)})

    async def Cancel(self, request: Any, context: Any) -> Any:
        # The engine counts a plugin that does not acknowledge Cancel as one that crashed.
        return empty_pb2.Empty()

    async def Check(self, request: Any, context: Any) -> Any:
        news = await self._run(context, self.impl.check, request.urn, to_dict(request.olds), to_dict(request.news),
                               request.randomSeed)
        return proto.CheckResponse(inputs=to_struct(news))

    async def Diff(self, request: Any, context: Any) -> Any:
        replaces, changed, delete_before = await self._run(
            context, self.impl.diff, request.urn, request.id, to_dict(request.old_inputs), to_dict(request.olds),
            to_dict(request.news))
        kind = proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE
        return proto.DiffResponse(changes=kind, replaces=replaces, diffs=changed,
                                  deleteBeforeReplace=delete_before)

    async def Create(self, request: Any, context: Any) -> Any:
        rid, outs = await self._run(context, self.impl.create, request.urn, to_dict(request.properties),
                                    request.preview)
        return proto.CreateResponse(id=rid, properties=to_struct(outs))

    async def Read(self, request: Any, context: Any) -> Any:
        outs = await self._run(context, self.impl.read, request.urn, request.id, to_dict(request.properties))
        if outs is None:
            return proto.ReadResponse(id="")
        return proto.ReadResponse(id=request.id, properties=to_struct(outs), inputs=request.inputs)

    async def Update(self, request: Any, context: Any) -> Any:
        outs = await self._run(context, self.impl.update, request.urn, request.id, to_dict(request.olds),
                               to_dict(request.news), request.preview)
        return proto.UpdateResponse(properties=to_struct(outs))

    async def Delete(self, request: Any, context: Any) -> Any:
        await self._run(context, self.impl.delete, request.urn, request.id, to_dict(request.properties))
        return empty_pb2.Empty()


def serve(impl: Any) -> None:
    """Run as the engine starts a plugin: the engine's address as an argument, our port on stdout."""
    argp = argparse.ArgumentParser()
    argp.add_argument("engine", nargs="?", default="")
    known, _ = argp.parse_known_args()

    async def main() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(DoubleServicer(impl, known.engine), server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    # The engine ends a plugin with a signal once it is done with it: leave without gRPC's teardown,
    # which otherwise prints "Event loop is closed" and makes the engine report a crash.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(0))
    asyncio.run(main())
