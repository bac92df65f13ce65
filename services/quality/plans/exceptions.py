from shared.errors import Conflict, NotFound


class PlanNotFound(NotFound):
    title = "No such action plan or action"


class ActionFinished(Conflict):
    title = "The action cannot move to that status"
