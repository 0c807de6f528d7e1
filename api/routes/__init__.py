"""One module per resource; each holds an `APIRouter` whose handlers call engine/."""
