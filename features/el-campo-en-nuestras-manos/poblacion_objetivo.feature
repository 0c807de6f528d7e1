# language: es
@campo
Característica: El Campo en Nuestras Manos — mujeres en pobreza y pequeños productores
  El componente apoya a mujeres de 18 a 65 años en pobreza y a pequeños productores de los
  estratos E1 a E3, en localidades rurales o periurbanas, desde 2016 (edades de las reglas para
  2017, según cita 004; desde 2018 las edades no constan). Cada integrante del
  grupo tiene que pertenecer a alguna de las dos poblaciones objetivo.

  Antecedentes:
    Dado un grupo en el municipio "Huejutla de Reyes" de Hidalgo
    Y la localidad es rural
    Y la fecha es 2017-05-15
    Y el grupo tiene 4 integrantes
    Y todos los integrantes son mujeres
    Y todos los integrantes tienen 40 años
    Y todos los integrantes son pobres
    Y todos los integrantes son productores de estrato E4

  Regla: Cada integrante es mujer de 18 a 65 años en pobreza, o productor de estrato E1 a E3 (target_members)

    Esquema del escenario: Una mujer en pobreza de <edad> años, productora E4, hace al grupo «<resultado>»
      Dado la integrante 1 tiene <edad> años
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el resultado es "<resultado>"
      Y el criterio "target_members" da "<criterio>"

      Ejemplos:
        | edad | resultado   | criterio  |
        | 17   | no elegible | no cumple |
        | 18   | elegible    | cumple    |
        | 65   | elegible    | cumple    |
        | 66   | no elegible | no cumple |

    Esquema del escenario: Un hombre de estrato <estrato> hace al grupo «<resultado>»
      Dado el integrante 2 no es mujer
      Y el integrante 2 es productor de estrato <estrato>
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el resultado es "<resultado>"
      Y el criterio "target_members" da "<criterio>"

      Ejemplos:
        | estrato | resultado   | criterio  |
        | E1      | elegible    | cumple    |
        | E3      | elegible    | cumple    |
        | E4      | no elegible | no cumple |
        | E6      | no elegible | no cumple |

    Esquema del escenario: Una mujer de 40 años, productora E4, <pobreza> hace al grupo «<resultado>»
      Dado los integrantes son:
        | sexo | edad | pobreza   | estrato |
        | F    | 40   | <pobre>   | E4      |
        | F    | 35   | sí        | E2      |
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el resultado es "<resultado>"

      Ejemplos:
        | pobreza         | pobre | resultado              |
        | en pobreza      | sí    | elegible               |
        | sin pobreza     | no    | no elegible            |
        | sin dato        |       | no se puede determinar |

    Escenario: La explicación señala a la integrante mayor de 65 años
      Dado la integrante 3 tiene 70 años
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces la integrante 3 no cumple el criterio "target_members"
      Y la explicación cita "women aged 18 to 65 who live in conditions of poverty"
      Y lo que haría falta incluye "Quien sustituya a la integrante 3 debe tener entre 18 y 65 años (hoy: 70)"
      Y los cambios están en manos del grupo

  Regla: Localidad rural o periurbana (rural_or_periurban)

    Esquema del escenario: Un grupo de una localidad <localidad> resulta «<resultado>»
      Dado la localidad es <localidad>
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el resultado es "<resultado>"
      Y el criterio "rural_or_periurban" da "<criterio>"

      Ejemplos:
        | localidad  | resultado   | criterio  |
        | rural      | elegible    | cumple    |
        | periurbana | elegible    | cumple    |
        | urbana     | no elegible | no cumple |

  Regla: El componente operaba en la fecha (in_force)

    Esquema del escenario: Un grupo evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2015-12-31 | no vigente  | no cumple |
        | 2016-01-01 | elegible    | cumple    |
        | 2017-12-31 | elegible               | cumple    |
        | 2018-01-01 | no se puede determinar | cumple    |

  Regla: El grupo está en México (in_mexico)

    Escenario: El Campo en Nuestras Manos no aplica a un grupo de Panamá
      Dado un grupo en la provincia "Herrera"
      Cuando se evalúa la elegibilidad para El Campo en Nuestras Manos
      Entonces el programa no aplica al grupo
      Y el criterio "in_mexico" no se cumple
