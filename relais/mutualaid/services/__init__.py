"""For one commit only: the module moved here whole, so that its history follows the largest
part of it; the next commit splits it by entity and updates every caller."""

from relais.mutualaid.services import moderation as _moved

globals().update({name: value for name, value in vars(_moved).items() if not name.startswith("__")})
