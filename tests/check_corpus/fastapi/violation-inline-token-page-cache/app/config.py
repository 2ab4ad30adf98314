from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    BESTCHATBOT_SIGNING_KEY: str | None = None
    CHAT_THEME: str = "light"


settings = Settings()
