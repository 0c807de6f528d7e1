# language: es
@proinpro
Característica: PROINPRO — dónde y cuándo operó
  PROINPRO atendió grupos de localidades rurales de Guerrero, Hidalgo y Zacatecas en 2016 y 2017.

  Antecedentes:
    Dado un grupo en el municipio "Chilapa de Álvarez" de Guerrero
    Y la localidad es rural
    Y la fecha es 2017-03-01
    Y el grupo tiene 5 integrantes
    Y todos los integrantes tienen 30 años
    Y todos los integrantes son beneficiarios de PROSPERA
    Y todos los integrantes tienen potencial emprendedor medio

  Regla: PROINPRO operaba en la fecha de la determinación (in_force)

    Esquema del escenario: Un grupo elegible evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2015-12-31 | no vigente  | no cumple |
        | 2016-01-01 | elegible    | cumple    |
        | 2017-12-31 | elegible    | cumple    |
        | 2018-01-01 | no vigente  | no cumple |

  Regla: El grupo está en México (in_mexico)

    Escenario: PROINPRO no aplica a un grupo de Panamá
      Dado un grupo en la provincia "Coclé"
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el programa no aplica al grupo
      Y el criterio "in_mexico" no se cumple

    Escenario: Un grupo en México cumple el criterio de país
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el criterio "in_mexico" se cumple

  Regla: La localidad es rural (rural)

    Esquema del escenario: Un grupo de una localidad <localidad> resulta «<resultado>»
      Dado la localidad es <localidad>
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "rural" da "<criterio>"

      Ejemplos:
        | localidad  | resultado   | criterio  |
        | rural      | elegible    | cumple    |
        | periurbana | no elegible | no cumple |
        | urbana     | no elegible | no cumple |

    Escenario: Sin saber la localidad no se puede determinar
      Dado no se conoce la localidad
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces no se puede determinar si el grupo es elegible
      Y la explicación dice que falta "locality"

  Regla: El municipio está en Guerrero, Hidalgo o Zacatecas (target_state)

    Esquema del escenario: Un grupo de <municipio>, <estado>, resulta «<resultado>»
      Dado un grupo en el municipio "<municipio>" de <estado>
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "target_state" da "<criterio>"

      Ejemplos:
        | municipio          | estado    | resultado   | criterio  |
        | Metlatónoc         | Guerrero  | elegible    | cumple    |
        | Huejutla de Reyes  | Hidalgo   | elegible    | cumple    |
        | Fresnillo          | Zacatecas | elegible    | cumple    |
        | Oaxaca de Juárez   | Oaxaca    | no elegible | no cumple |
        | Puebla             | Puebla    | no elegible | no cumple |

    Escenario: La explicación muestra el supuesto sobre los 26 municipios
      Dado un grupo en el municipio con clave 20067
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el único criterio que no se cumple es "target_state"
      Y la explicación muestra el supuesto "26 municipios"
