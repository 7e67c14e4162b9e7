import enum
from datetime import datetime

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, registry


class Base(DeclarativeBase):
    # State enums are stored as short strings with a CHECK, not as native PostgreSQL enums,
    # so adding a state is a one-line migration on every database. Constraints are named so
    # that migrations can alter them on every database.
    registry = registry(
        metadata=MetaData(
            naming_convention={
                "ix": "ix_%(column_0_label)s",
                "uq": "uq_%(table_name)s_%(column_0_name)s",
                "ck": "ck_%(table_name)s_%(constraint_name)s",
                "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                "pk": "pk_%(table_name)s",
            }
        ),
        type_annotation_map={
            enum.Enum: Enum(
                enum.Enum,
                native_enum=False,
                create_constraint=True,
                length=32,
                values_callable=lambda members: [member.value for member in members],
            ),
            datetime: DateTime(timezone=True),
        },
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
