import uuid

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from services.gateway.admin import service
from services.gateway.admin.schemas import ClientCreate, ClientCreated, ClientOut, UserCreate, UserOut, UserUpdate
from services.gateway.auth.models import Client, User
from services.gateway.deps import AdminPrincipal
from services.gateway.ratelimit import RateLimited
from shared.auth import Role
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[RateLimited],
                   responses=problem_responses(Unauthorized, Forbidden))


class UserList(BaseModel):
    items: list[UserOut]
    next_cursor: str | None = None


class ClientList(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None = None


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def _client_out(client: Client) -> ClientOut:
    return ClientOut(client_id=client.id, name=client.name, roles=[Role(role) for role in client.roles],
                     provider_id=client.provider_id, active=client.active)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses=problem_responses(Conflict))
async def create_user(data: UserCreate, session: SessionDep, admin: AdminPrincipal) -> UserOut:
    return _user_out(await service.create_user(session, actor=admin, data=data))


@router.get("/users", response_model=UserList)
async def list_users(session: SessionDep, _admin: AdminPrincipal) -> UserList:
    return UserList(items=[_user_out(user) for user in await service.list_users(session)])


@router.patch("/users/{user_id}", response_model=UserOut,
              responses=problem_responses(NotFound, Conflict, Unprocessable),
              summary="Change a user: display name, roles and provider, disable or enable, reset the password")
async def update_user(user_id: uuid.UUID, data: UserUpdate, session: SessionDep, admin: AdminPrincipal) -> UserOut:
    return _user_out(await service.update_user(session, actor=admin, user_id=user_id, data=data))


@router.post("/clients", status_code=status.HTTP_201_CREATED, response_model=ClientCreated)
async def create_client(data: ClientCreate, session: SessionDep, admin: AdminPrincipal) -> ClientCreated:
    client, secret = await service.create_client(session, actor=admin, data=data)
    return ClientCreated(**_client_out(client).model_dump(), client_secret=secret)


@router.get("/clients", response_model=ClientList)
async def list_clients(session: SessionDep, _admin: AdminPrincipal) -> ClientList:
    return ClientList(items=[_client_out(client) for client in await service.list_clients(session)])


@router.post("/clients/{client_id}/secret", response_model=ClientCreated,
             responses=problem_responses(NotFound, Conflict),
             summary="A new secret for the client (shown once); the old one stops working at once")
async def reset_client_secret(client_id: uuid.UUID, session: SessionDep, admin: AdminPrincipal) -> ClientCreated:
    client, secret = await service.reset_client_secret(session, actor=admin, client_id=client_id)
    return ClientCreated(**_client_out(client).model_dump(), client_secret=secret)


@router.delete("/clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(NotFound))
async def revoke_client(client_id: uuid.UUID, session: SessionDep, admin: AdminPrincipal,
                        clock: ClockDep) -> Response:
    await service.revoke_client(session, actor=admin, client_id=client_id, now=clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
